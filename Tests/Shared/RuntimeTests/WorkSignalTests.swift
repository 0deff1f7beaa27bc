import Logging
import Synchronization
import Testing
import TradewindRuntime

/// Workers wake on new work instead of waiting for their next poll. The polls here are an hour long, so a test that
/// passes at all shows the signal woke the worker.
@Suite struct WorkSignalTests {
    static let hour = Duration.seconds(3600)

    @Test func aNotificationBeforeTheWaitIsNotLost() async {
        let signal = WorkSignal()
        signal.notify()
        await signal.wait(upTo: Self.hour)
    }

    @Test func aWaitingWorkerWakesWhenNotified() async {
        let signal = WorkSignal()
        async let woken: Void = signal.wait(upTo: Self.hour)
        try? await Task.sleep(for: .milliseconds(50))
        signal.notify()
        await woken
    }

    @Test func withoutANotificationTheWaitEndsAtItsTimeout() async {
        let signal = WorkSignal()
        let started = ContinuousClock.now
        await signal.wait(upTo: .milliseconds(30))
        #expect(started.duration(to: .now) >= .milliseconds(30))
    }

    @Test func cancellingTheWorkerEndsItsWait() async {
        let signal = WorkSignal()
        let waiting = Task { await signal.wait(upTo: Self.hour) }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await waiting.value
    }

    @Test func aRepeatingWorkerRunsAgainWhenWokenNotAfterItsInterval() async throws {
        let signal = WorkSignal()
        let passes = Mutex(0)
        let worker = RepeatingWork("test", every: Self.hour, wakeUp: signal, logger: Logger(label: "work-signal-test")) {
            passes.withLock { $0 += 1 }
            return 0
        }
        let running = Task { try await worker.run() }
        defer { running.cancel() }
        for expected in 1...3 {
            for _ in 0..<500 where passes.withLock({ $0 }) < expected { try await Task.sleep(for: .milliseconds(10)) }
            #expect(passes.withLock { $0 } == expected)
            signal.notify()
        }
    }
}
