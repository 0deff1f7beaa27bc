/// A per-instance circuit breaker as a value-type state machine (no I/O, no clock of its own).
///
/// closed ──(N consecutive failures)──▶ open ──(cool-down passes)──▶ half-open
///   ▲                                   ▲                              │
///   └────────(probe succeeds)───────────┼──────────(probe fails)───────┘
/// Each time a probe fails the cool-down doubles, up to `maximumOpenDuration`.
public struct CircuitBreaker: Sendable, Equatable {
    public struct Policy: Sendable, Equatable {
        public var failureThreshold: Int
        public var openDuration: Duration
        public var maximumOpenDuration: Duration
        /// Requests let through at once while half-open.
        public var halfOpenProbes: Int

        /// The defaults suit a restarted process, which is back within seconds: a short first cool-down lets it
        /// in again quickly, and doubling stops at 15 s so that a long outage is still probed a few times a minute.
        public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(2), maximumOpenDuration: Duration = .seconds(15), halfOpenProbes: Int = 1) {
            precondition(failureThreshold >= 1 && halfOpenProbes >= 1, "thresholds must be positive")
            self.failureThreshold = failureThreshold
            self.openDuration = openDuration
            self.maximumOpenDuration = maximumOpenDuration
            self.halfOpenProbes = halfOpenProbes
        }
    }

    public enum Phase: String, Sendable, Equatable, CaseIterable {
        case closed, open, halfOpen = "half-open"
    }

    public enum Decision: Sendable, Equatable {
        case allow
        /// Do not call this instance; it may be tried again after `retryAfter`.
        case reject(retryAfter: Duration)
    }

    private enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: ContinuousClock.Instant, coolDown: Duration)
        case halfOpen(probesInFlight: Int, coolDown: Duration)
    }

    public let policy: Policy
    private var state: State = .closed(consecutiveFailures: 0)

    public init(policy: Policy = Policy()) { self.policy = policy }

    public var phase: Phase {
        switch state {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        }
    }

    /// Asks whether a request may go to this instance now; an allowed request must be followed by exactly one
    /// ``onSuccess()`` or ``onFailure(at:)``.
    public mutating func onRequest(at now: ContinuousClock.Instant) -> Decision {
        switch state {
        case .closed:
            return .allow
        case .open(let until, let coolDown):
            guard now >= until else { return .reject(retryAfter: until - now) }
            state = .halfOpen(probesInFlight: 1, coolDown: coolDown)
            return .allow
        case .halfOpen(let probes, let coolDown):
            guard probes < policy.halfOpenProbes else { return .reject(retryAfter: .zero) }
            state = .halfOpen(probesInFlight: probes + 1, coolDown: coolDown)
            return .allow
        }
    }

    public mutating func onSuccess() {
        state = .closed(consecutiveFailures: 0)
    }

    public mutating func onFailure(at now: ContinuousClock.Instant) {
        switch state {
        case .closed(let failures):
            if failures + 1 >= policy.failureThreshold {
                state = .open(until: now + policy.openDuration, coolDown: policy.openDuration)
            } else {
                state = .closed(consecutiveFailures: failures + 1)
            }
        case .open:
            // A request allowed before the breaker opened has failed too: nothing new to learn.
            break
        case .halfOpen(_, let coolDown):
            let longer = min(coolDown * 2, policy.maximumOpenDuration)
            state = .open(until: now + longer, coolDown: longer)
        }
    }
}
