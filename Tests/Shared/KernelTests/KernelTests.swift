import Testing
import TradewindKernel

@Suite struct KernelTests {
    @Test func cursorsRoundTripAndRejectForeignText() {
        let cursor = KeysetCursor(lastID: "00000000-0000-0000-0000-00000000002a")
        #expect(KeysetCursor(encoded: cursor.encoded) == cursor)
        #expect(!cursor.encoded.contains("="))
        #expect(KeysetCursor(encoded: "not a cursor") == nil)
        #expect(KeysetCursor(encoded: "") == nil)
        #expect(KeysetCursor(encoded: String(repeating: "A", count: 600)) == nil)
    }

    @Test func pageRequestsAreClampedToSaneLimits() {
        #expect(PageRequest(limit: 0).limit == 1)
        #expect(PageRequest(limit: 5000).limit == PageRequest.maximumLimit)
        #expect(PageRequest(limit: 7).limit == 7)
    }
}
