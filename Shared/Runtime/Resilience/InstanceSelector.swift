import HTTPTypes
import Synchronization

/// Which instance of a service gets the next attempt of a call, and whether a failed attempt is tried again:
/// client-side balancing, a circuit breaker per instance, requests outstanding per instance and the retry budget.
/// Shared by the service client and the gateway's proxy; every method is synchronous and holds the lock only for
/// bookkeeping, so it can run on an event loop.
public final class InstanceSelector: Sendable {
    public let retry: RetryPolicy
    public let breaker: CircuitBreaker.Policy
    public let balancing: LoadBalancing
    private let state = Mutex(State())

    private struct State {
        var breakers: [String: CircuitBreaker] = [:]
        var incarnations: [String: String] = [:]
        var outstanding: [String: Int] = [:]
        var balancers: [String: LoadBalancer] = [:]
        var budget = RetryBudget()
        var random = SystemRandomNumberGenerator()
    }

    public init(retry: RetryPolicy = RetryPolicy(), breaker: CircuitBreaker.Policy = .init(), balancing: LoadBalancing = .leastOutstanding) {
        self.retry = retry
        self.breaker = breaker
        self.balancing = balancing
    }

    /// Breaker phases by instance id, for admin pages.
    public func breakerPhases() -> [String: CircuitBreaker.Phase] { state.withLock { $0.breakers.mapValues(\.phase) } }

    /// Counts a new call (not an attempt) towards the retry budget.
    public func recordCall() {
        state.withLock { $0.budget.recordRequest(at: .now) }
    }

    /// An instance of `endpoints` whose breaker lets the attempt through, preferring ones not tried yet for this
    /// call; it counts as outstanding until ``finished(_:failed:)``.
    public func choose(_ service: String, from endpoints: [ServiceEndpoint], excluding tried: Set<String>) throws(ServiceCallError) -> ServiceEndpoint {
        guard !endpoints.isEmpty else { throw .noInstances(service: service) }
        let chosen: ServiceEndpoint? = state.withLock { state in
            var excluded = tried.count < endpoints.count ? tried : []
            var balancer = state.balancers[service] ?? LoadBalancer(strategy: balancing)
            defer { state.balancers[service] = balancer }
            let now = ContinuousClock.now
            // A restarted instance keeps its id; its new process starts with a closed breaker, instead of waiting out
            // the cool-down its predecessor earned by dying.
            for endpoint in endpoints where state.incarnations[endpoint.id] != endpoint.incarnation {
                state.incarnations[endpoint.id] = endpoint.incarnation
                state.breakers[endpoint.id] = nil
            }
            let outstanding = state.outstanding
            let ids = endpoints.map(\.id)
            while let id = balancer.pick(from: ids, excluding: excluded, outstanding: { outstanding[$0] ?? 0 }, using: &state.random) {
                var instanceBreaker = state.breakers[id] ?? CircuitBreaker(policy: breaker)
                let decision = instanceBreaker.onRequest(at: now)
                state.breakers[id] = instanceBreaker
                if decision == .allow, let endpoint = endpoints.first(where: { $0.id == id }) {
                    state.outstanding[id, default: 0] += 1
                    return endpoint
                }
                excluded.insert(id)
            }
            return nil
        }
        guard let chosen else { throw .circuitOpen(service: service) }
        return chosen
    }

    /// Ends an attempt on `endpoint` and feeds its breaker.
    public func finished(_ endpoint: ServiceEndpoint, failed: Bool) {
        state.withLock { state in
            state.outstanding[endpoint.id, default: 1] -= 1
            if failed { state.breakers[endpoint.id]?.onFailure(at: .now) } else { state.breakers[endpoint.id]?.onSuccess() }
        }
    }

    /// The pause before attempt `attempt + 1` of a call, or `nil` when the policy, the deadline or the budget rule
    /// it out. Takes a token from the retry budget when it answers a pause.
    public func retryPause(
        method: HTTPRequest.Method, idempotent: Bool? = nil, outcome: RetryPolicy.Outcome, attempt: Int, bodyIsReplayable: Bool,
        deadline: ContinuousClock.Instant
    ) -> Duration? {
        guard bodyIsReplayable, retry.shouldRetry(method: method, outcome: outcome, attempt: attempt, idempotent: idempotent) else { return nil }
        return state.withLock { state in
            let pause = retry.delay(afterAttempt: attempt, using: &state.random)
            guard ContinuousClock.now + pause < deadline, state.budget.tryRetry(at: .now) else { return nil }
            return pause
        }
    }
}
