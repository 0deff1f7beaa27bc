import Foundation
import Synchronization
import TradewindRuntime
import UserDomain

/// A ``PasswordWorkBudget`` of token buckets in this process: one per client address and one for everyone.
/// bcrypt burns this replica's CPU, so the budget is this replica's; with N replicas an address can cause N times
/// the per-address work, each replica still bounded by the global bucket.
public final class TokenBucketPasswordWorkBudget: PasswordWorkBudget {
    public struct Limits: Sendable {
        public var perAddress: TokenBucket.Limit
        public var global: TokenBucket.Limit

        /// Per address: a burst of 10, then 1 a second. For everyone: ``global(bcryptCost:)`` at cost 12.
        public init(
            perAddress: TokenBucket.Limit = .init(ratePerSecond: 1, capacity: 10),
            global: TokenBucket.Limit = Limits.global(bcryptCost: 12)
        ) {
            self.perAddress = perAddress
            self.global = global
        }

        /// As many hashings a second as this replica's cores can do, with a burst of two seconds' worth. bcrypt at
        /// cost 12 takes about 0.25 s of one core, and each step down halves it, so a cheaper cost (as in a
        /// benchmark) admits more work instead of being held to the rate of cost 12.
        public static func global(bcryptCost: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> TokenBucket.Limit {
            let perCorePerSecond = 4 * pow(2, Double(12 - bcryptCost))
            let rate = perCorePerSecond * Double(cores)
            return .init(ratePerSecond: rate, capacity: max(1, Int(2 * rate)))
        }
    }

    private struct State {
        var global: TokenBucket
        var byAddress: [String: TokenBucket] = [:]
    }

    private let limits: Limits
    private let state: Mutex<State>
    /// Bounds memory under requests from very many addresses; full buckets are forgotten first.
    private let maximumTrackedAddresses = 100_000

    public init(limits: Limits = Limits()) {
        self.limits = limits
        self.state = Mutex(State(global: TokenBucket(limit: limits.global, now: .now)))
    }

    public func spend(address: String?) async throws {
        let now = ContinuousClock.now
        let refusal: Int? = state.withLock { state in
            // Per address first: one noisy address is refused without using up everyone's budget.
            if let address {
                if state.byAddress.count >= maximumTrackedAddresses {
                    state.byAddress = state.byAddress.filter { !$0.value.isFull(at: now) }
                }
                var bucket = state.byAddress[address] ?? TokenBucket(limit: limits.perAddress, now: now)
                let decision = bucket.take(at: now)
                state.byAddress[address] = bucket
                if !decision.allowed { return decision.retryAfterSeconds }
            }
            let decision = state.global.take(at: now)
            return decision.allowed ? nil : decision.retryAfterSeconds
        }
        if let refusal { throw UserError.passwordWorkLimited(retryAfterSeconds: refusal) }
    }
}

/// No limit: for tests of other behaviour and for the CLI's one-off administration.
public struct UnlimitedPasswordWorkBudget: PasswordWorkBudget {
    public init() {}
    public func spend(address: String?) async throws {}
}
