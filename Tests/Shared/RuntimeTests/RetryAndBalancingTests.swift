import HTTPTypes
import Testing
import TradewindRuntime

@Suite struct RetryAndBalancingTests {
    let policy = RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(100), maximumDelay: .milliseconds(300))

    @Test func retriesOnlyWhatIsSafeToRepeat() {
        #expect(policy.shouldRetry(method: .post, outcome: .connectionFailed, attempt: 1))
        #expect(!policy.shouldRetry(method: .post, outcome: .failedAfterSending, attempt: 1))
        #expect(!policy.shouldRetry(method: .post, outcome: .response(status: 503), attempt: 1))
        #expect(policy.shouldRetry(method: .post, outcome: .response(status: 503), attempt: 1, idempotent: true), "a POST that only reads")
        #expect(policy.shouldRetry(method: .post, outcome: .failedAfterSending, attempt: 1, idempotent: true))
        #expect(!policy.shouldRetry(method: .get, outcome: .failedAfterSending, attempt: 1, idempotent: false))
        #expect(policy.shouldRetry(method: .get, outcome: .failedAfterSending, attempt: 1))
        #expect(policy.shouldRetry(method: .put, outcome: .response(status: 503), attempt: 2))
        #expect(!policy.shouldRetry(method: .get, outcome: .response(status: 500), attempt: 1))
        #expect(!policy.shouldRetry(method: .get, outcome: .response(status: 404), attempt: 1))
        #expect(!policy.shouldRetry(method: .get, outcome: .connectionFailed, attempt: 3))
    }

    @Test func backoffGrowsExponentiallyWithFullJitterAndACap() {
        var random = SeededRandom(seed: 7)
        for (attempt, bound) in [(1, 100), (2, 200), (3, 300), (10, 300)] {
            let delays = (0..<200).map { _ in policy.delay(afterAttempt: attempt, using: &random) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= .milliseconds(bound) }, "attempt \(attempt)")
            // Jitter spreads the waits over the whole range instead of synchronising clients.
            #expect(delays.contains { $0 < .milliseconds(bound / 4) } && delays.contains { $0 > .milliseconds(bound * 3 / 4) })
        }
    }

    @Test func theRetryBudgetLimitsRetriesToAFractionOfTraffic() {
        let start = ContinuousClock.now
        var budget = RetryBudget(ratio: 0.1, minimumPerSecond: 2)
        // The floor: two retries without any traffic.
        let outcome1 = budget.tryRetry(at: start)
        #expect(outcome1)
        let outcome2 = budget.tryRetry(at: start)
        #expect(outcome2)
        let outcome3 = budget.tryRetry(at: start)
        #expect(!outcome3)
        // A hundred requests earn ten retries.
        for _ in 0..<100 { budget.recordRequest(at: start) }
        #expect((0..<20).filter { _ in budget.tryRetry(at: start) }.count == 10)
        // Time refills the floor.
        let outcome4 = budget.tryRetry(at: start + .seconds(1))
        #expect(outcome4)
    }

    @Test func roundRobinVisitsEveryInstanceInTurnAndSkipsTriedOnes() {
        var balancer = LoadBalancer(strategy: .roundRobin)
        var random = SeededRandom(seed: 1)
        let picks = (0..<6).compactMap { _ in balancer.pick(from: ["a", "b", "c"], using: &random) }
        #expect(picks == ["a", "b", "c", "a", "b", "c"])
        #expect(balancer.pick(from: ["a", "b"], excluding: ["a"], using: &random) == "b")
        #expect(balancer.pick(from: ["a"], excluding: ["a"], using: &random) == nil)
    }

    @Test func leastOutstandingSpreadsEvenlyAndAvoidsBusyInstances() {
        var balancer = LoadBalancer(strategy: .leastOutstanding)
        var random = SeededRandom(seed: 42)
        var counts: [String: Int] = [:]
        for _ in 0..<3000 {
            if let pick = balancer.pick(from: ["a", "b", "c"], using: &random) { counts[pick, default: 0] += 1 }
        }
        #expect(counts.values.allSatisfy { (900...1100).contains($0) }, "\(counts)")
        // With "a" busy, it wins only when both random choices are "a", which two distinct choices never are.
        let busy = (0..<1000).compactMap { _ in balancer.pick(from: ["a", "b", "c"], outstanding: { $0 == "a" ? 50 : 0 }, using: &random) }
        #expect(!busy.contains("a"))
    }
}
