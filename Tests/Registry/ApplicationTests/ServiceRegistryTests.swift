import Foundation
import RegistryApplication
import RegistryDomain
import Testing
import TradewindTesting

@Suite struct ServiceRegistryTests {
    func registration(_ id: String = "user-1") -> ServiceRegistry.Registration {
        .init(id: id, service: "user", address: "127.0.0.1", port: 8081, tags: [], metadata: ["version": "1"], ttl: .seconds(10), removeAfterCritical: .seconds(60))
    }

    @Test func aWatchWakesAsSoonAsTheCatalogChanges() async throws {
        let registry = ServiceRegistry(clock: TestClock())
        let index = await registry.index
        async let answer = registry.instances(of: "user", passingOnly: true, after: index, wait: .seconds(30))
        // Give the query time to start waiting; the answer must come from the change, not from the 30 s wait.
        try await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        try await registry.register(registration())
        let result = await answer
        #expect(result.instances.map(\.id) == ["user-1"])
        #expect(result.index > index)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aWatchWithNoChangeReturnsWhenItsWaitRunsOut() async throws {
        let registry = ServiceRegistry(clock: TestClock())
        try await registry.register(registration())
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
        try await registry.register(registration())
        let result = await registry.instances(of: "user", passingOnly: true, after: 0, wait: .seconds(60))
        #expect(result.instances.count == 1)
    }

    @Test func sweepingExpiresWithTheInjectedClock() async throws {
        let clock = TestClock()
        let registry = ServiceRegistry(clock: clock)
        try await registry.register(registration())
        clock.advance(by: 11)
        await registry.sweep()
        #expect(await registry.instances(of: "user", passingOnly: true, after: nil, wait: .zero).instances.isEmpty)
        await #expect(throws: RegistryError.self) { try await registry.heartbeat("nobody") }
        try await registry.heartbeat("user-1")
        #expect(await registry.instances(of: "user", passingOnly: true, after: nil, wait: .zero).instances.count == 1)
    }
}
