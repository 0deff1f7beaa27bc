import Foundation
import Synchronization
import TradewindKernel

/// A clock that only moves when told to.
public final class TestClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Identifiers 00000000-0000-0000-0000-000000000001, …2, … in order.
public final class SequentialIdentifiers: IdentifierGenerator {
    private let next = Mutex<UInt64>(1)

    public init() {}

    public func makeUUID() -> UUID {
        let value = next.withLock { value in defer { value += 1 }; return value }
        return UUID(uuidString: String(format: "00000000-0000-0000-0000-%012llx", value))!
    }
}
