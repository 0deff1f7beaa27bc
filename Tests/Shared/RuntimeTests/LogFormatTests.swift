import Testing
import TradewindRuntime

@Suite struct LogFormatTests {
    @Test(arguments: [
        (Duration.zero, "0.00"), (.nanoseconds(4_999), "0.00"), (.nanoseconds(5_000), "0.01"), (.microseconds(1_004), "1.00"),
        (.nanoseconds(12_345_000), "12.35"), (.microseconds(99_996), "100.00"), (.seconds(2), "2000.00"), (.seconds(-1), "0.00"),
    ])
    func durationsShowAsMillisecondsWithTwoDecimals(_ duration: Duration, _ shown: String) {
        #expect(LogFormat.milliseconds(duration) == shown)
    }
}
