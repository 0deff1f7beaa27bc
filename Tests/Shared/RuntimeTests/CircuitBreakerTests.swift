import Testing
import TradewindRuntime

@Suite struct CircuitBreakerTests {
    let t0 = ContinuousClock.now
    let policy = CircuitBreaker.Policy(failureThreshold: 3, openDuration: .seconds(5), maximumOpenDuration: .seconds(15), halfOpenProbes: 1)

    func opened() -> CircuitBreaker {
        var breaker = CircuitBreaker(policy: policy)
        for _ in 0..<3 {
            _ = breaker.onRequest(at: t0)
            breaker.onFailure(at: t0)
        }
        return breaker
    }

    @Test func staysClosedBelowTheThresholdAndASuccessResetsTheCount() {
        var breaker = CircuitBreaker(policy: policy)
        for _ in 0..<2 { breaker.onFailure(at: t0) }
        breaker.onSuccess()
        for _ in 0..<2 { breaker.onFailure(at: t0) }
        #expect(breaker.phase == .closed)
        let outcome1 = breaker.onRequest(at: t0)
        #expect(outcome1 == .allow)
    }

    @Test func opensAtTheThresholdAndRejectsUntilTheCoolDownPasses() {
        var breaker = opened()
        #expect(breaker.phase == .open)
        let outcome2 = breaker.onRequest(at: t0 + .seconds(2))
        #expect(outcome2 == .reject(retryAfter: .seconds(3)))
        let outcome3 = breaker.onRequest(at: t0 + .seconds(5))
        #expect(outcome3 == .allow)
        #expect(breaker.phase == .halfOpen)
    }

    @Test func halfOpenLetsOneProbeThroughAtATime() {
        var breaker = opened()
        let outcome4 = breaker.onRequest(at: t0 + .seconds(5))
        #expect(outcome4 == .allow)
        let outcome5 = breaker.onRequest(at: t0 + .seconds(5))
        #expect(outcome5 == .reject(retryAfter: .zero))
    }

    @Test func aSuccessfulProbeClosesTheBreaker() {
        var breaker = opened()
        _ = breaker.onRequest(at: t0 + .seconds(5))
        breaker.onSuccess()
        #expect(breaker.phase == .closed)
        let outcome6 = breaker.onRequest(at: t0 + .seconds(5))
        #expect(outcome6 == .allow)
    }

    @Test func aFailedProbeReopensWithADoubledCoolDownUpToTheMaximum() {
        var breaker = opened()
        _ = breaker.onRequest(at: t0 + .seconds(5))
        breaker.onFailure(at: t0 + .seconds(5))
        #expect(breaker.phase == .open)
        let outcome7 = breaker.onRequest(at: t0 + .seconds(14))
        #expect(outcome7 == .reject(retryAfter: .seconds(1)))
        let outcome8 = breaker.onRequest(at: t0 + .seconds(15))
        #expect(outcome8 == .allow)
        breaker.onFailure(at: t0 + .seconds(15))
        // 20 s would be double; the maximum is 15 s.
        let outcome9 = breaker.onRequest(at: t0 + .seconds(29))
        #expect(outcome9 == .reject(retryAfter: .seconds(1)))
        let outcome10 = breaker.onRequest(at: t0 + .seconds(30))
        #expect(outcome10 == .allow)
    }

    @Test func lateFailuresWhileOpenChangeNothing() {
        var breaker = opened()
        breaker.onFailure(at: t0 + .seconds(1))
        let outcome11 = breaker.onRequest(at: t0 + .seconds(5))
        #expect(outcome11 == .allow)
    }
}

/// The breakers of the instances a selector chooses from, across a restart that keeps an instance's id.
@Suite struct InstanceSelectorBreakerTests {
    @Test func aRestartedInstanceIsTriedAtOnceWhileItsDeadPredecessorsBreakerWasOpen() throws {
        let selector = InstanceSelector(breaker: .init(failureThreshold: 2, openDuration: .seconds(60)))
        let dying = ServiceEndpoint(id: "product-service-127.0.0.1-8082", host: "127.0.0.1", port: 8082, incarnation: "first")
        for _ in 0..<2 {
            let chosen = try selector.choose("product-service", from: [dying], excluding: [])
            selector.finished(chosen, failed: true)
        }
        #expect(throws: ServiceCallError.self, "the dead process's breaker is open") {
            try selector.choose("product-service", from: [dying], excluding: [])
        }
        let restarted = ServiceEndpoint(id: dying.id, host: dying.host, port: dying.port, incarnation: "second")
        #expect(try selector.choose("product-service", from: [restarted], excluding: []) == restarted)
        #expect(selector.breakerPhases()[dying.id] == .closed)
    }
}
