import Foundation
import RegistryApplication
import RegistryDomain
import Synchronization
import Testing
import TradewindKernel
import TradewindTesting

@Suite struct ServiceRegistryTests {
    let user = Registrant.service("user")

    func instance(_ id: String = "user-1", checks: [HealthCheck]? = nil) throws -> ServiceInstance {
        let ttl = try HealthCheck(id: "service:\(id)", name: "TTL", kind: .ttl(.seconds(10)), deregisterCriticalAfter: .seconds(60), status: .passing, registeredAt: Date())
        return try ServiceInstance(id: id, service: "user", address: "127.0.0.1", port: 8081, metadata: ["version": "1"], checks: checks ?? [ttl])
    }

    @Test func aWatchWakesAsSoonAsTheCatalogChanges() async throws {
        let registry = ServiceRegistry(clock: TestClock())
        let index = await registry.index
        async let answer = registry.instances(of: "user", passingOnly: true, after: index, wait: .seconds(30))
        // Give the query time to start waiting; the answer must come from the change, not from the 30 s wait.
        try await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        try await registry.register(try instance(), by: user)
        let result = await answer
        #expect(result.instances.map(\.id) == ["user-1"])
        #expect(result.index > index)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aWatchWithNoChangeReturnsWhenItsWaitRunsOut() async throws {
        let registry = ServiceRegistry(clock: TestClock())
        try await registry.register(try instance(), by: user)
        let index = await registry.index
        let result = await registry.instances(of: "user", passingOnly: true, after: index, wait: .milliseconds(100))
        #expect(result.index == index)
        #expect(result.instances.count == 1)
    }

    @Test func releasingWaitersAnswersBlockedAndLaterQueriesAtOnce() async throws {
        let registry = ServiceRegistry(clock: TestClock())
        let index = await registry.index
        async let blocked = registry.services(after: index, wait: .seconds(60))
        try await Task.sleep(for: .milliseconds(20))
        await registry.releaseWaiters()
        #expect(await blocked.index == index)
        #expect(await registry.services(after: index, wait: .seconds(60)).index == index)
    }

    @Test func aQueryBehindTheIndexAnswersAtOnce() async throws {
        let registry = ServiceRegistry(clock: TestClock())
        try await registry.register(try instance(), by: user)
        let result = await registry.instances(of: "user", passingOnly: true, after: 0, wait: .seconds(60))
        #expect(result.instances.count == 1)
    }

    @Test func sweepingExpiresWithTheInjectedClockAndTellsWhatChanged() async throws {
        let clock = TestClock()
        let events = Mutex<[CatalogEvent]>([])
        let registry = ServiceRegistry(clock: clock, onEvent: { event in events.withLock { $0.append(event) } })
        try await registry.register(try instance(), by: user)
        clock.advance(by: 11)
        await registry.sweep()
        #expect(await registry.instances(of: "user", passingOnly: true, after: nil, wait: .zero).instances.isEmpty)
        await #expect(throws: RegistryError.self) { try await registry.report(.passing, output: "", onCheck: "service:nobody", by: user) }
        try await registry.report(.passing, output: "", onCheck: "service:user-1", by: user)
        #expect(await registry.instances(of: "user", passingOnly: true, after: nil, wait: .zero).instances.count == 1)
        let logged = events.withLock { $0 }
        #expect(logged.count == 3)
        guard case .registered = logged.first else { Issue.record("\(logged)"); return }
        #expect(logged.dropFirst().map { event -> HealthStatus? in
            if case .checkChanged(_, _, _, _, let to, _) = event { return to } else { return nil }
        } == [.critical, .passing])
    }

    /// An HTTP check's status follows its endpoint, probed by the runner with a scripted prober.
    @Test func theRunnerProbesDueChecksAndRecordsTheirResults() async throws {
        final class ScriptedProber: HealthProber {
            let answer = Mutex(HealthStatus.passing)
            func probe(_ probe: Catalog.Probe) async -> ProbeResult { ProbeResult(status: answer.withLock { $0 }, output: "scripted") }
        }
        let prober = ScriptedProber()
        let registry = ServiceRegistry(clock: SystemWallClock())
        let http = try HealthCheck(id: "web", name: "HTTP", kind: .http(.init(url: URL(string: "http://127.0.0.1:1/health")!), interval: .seconds(1)), registeredAt: Date())
        try await registry.register(try instance(checks: [http]), by: user)
        let runner = HealthCheckRunner(registry: registry, prober: prober, tick: .milliseconds(10))
        let running = Task { await runner.run() }
        defer { running.cancel() }
        #expect(try await Self.eventually { await registry.instances(of: "user", passingOnly: true, after: nil, wait: .zero).instances.count == 1 })
        prober.answer.withLock { $0 = .critical }
        #expect(try await Self.eventually { await registry.instances(of: "user", passingOnly: true, after: nil, wait: .zero).instances.isEmpty })
    }

    static func eventually(for limit: Duration = .seconds(10), _ condition: () async -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
