import Foundation
import TradewindKernel
import UserDomain

/// Slows down password guessing: after too many failures within a window, further attempts for that
/// account or from that client address are refused until the window has passed.
public actor LoginThrottle {
    public struct Policy: Sendable {
        public var failuresPerAccount: Int
        public var failuresPerAddress: Int
        public var window: TimeInterval

        public init(failuresPerAccount: Int = 5, failuresPerAddress: Int = 20, window: TimeInterval = 900) {
            self.failuresPerAccount = failuresPerAccount
            self.failuresPerAddress = failuresPerAddress
            self.window = window
        }
    }

    private let policy: Policy
    private let clock: any WallClock
    private var failuresByAccount: [String: [Date]] = [:]
    private var failuresByAddress: [String: [Date]] = [:]
    /// Bounds memory under an attack from many addresses.
    private let maximumTrackedKeys = 100_000

    public init(policy: Policy = Policy(), clock: any WallClock) {
        self.policy = policy
        self.clock = clock
    }

    /// Throws ``UserError/tooManyAttempts(retryAfterSeconds:)`` when either key is over its limit.
    public func checkAllowed(account: String, address: String?) throws(UserError) {
        let now = clock.now()
        var waits: [TimeInterval] = []
        if let wait = Self.wait(failuresByAccount[account], limit: policy.failuresPerAccount, window: policy.window, now: now) {
            waits.append(wait)
        }
        if let address,
           let wait = Self.wait(failuresByAddress[address], limit: policy.failuresPerAddress, window: policy.window, now: now) {
            waits.append(wait)
        }
        if let longest = waits.max() { throw .tooManyAttempts(retryAfterSeconds: max(1, Int(longest.rounded(.up)))) }
    }

    public func recordFailure(account: String, address: String?) {
        let now = clock.now()
        record(now, key: account, in: &failuresByAccount)
        if let address { record(now, key: address, in: &failuresByAddress) }
    }

    public func recordSuccess(account: String) {
        failuresByAccount[account] = nil
    }

    private func record(_ now: Date, key: String, in table: inout [String: [Date]]) {
        if table.count >= maximumTrackedKeys { prune(&table, now: now) }
        let recent = (table[key] ?? []).filter { now.timeIntervalSince($0) < policy.window }
        table[key] = recent + [now]
    }

    private func prune(_ table: inout [String: [Date]], now: Date) {
        table = table.filter { _, failures in failures.contains { now.timeIntervalSince($0) < policy.window } }
    }

    /// Seconds until the oldest failure in the window drops out, when the limit is reached.
    private static func wait(_ failures: [Date]?, limit: Int, window: TimeInterval, now: Date) -> TimeInterval? {
        let recent = (failures ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count >= limit, let oldest = recent.min() else { return nil }
        return window - now.timeIntervalSince(oldest)
    }
}
