import Testing
import TradewindRuntime

@Suite struct ChangeWatchersTests {
    @Test func aChangeAnnouncedBeforeTheWaitIsNotMissed() async throws {
        let watchers = ChangeWatchers<String>()
        let outcome = try await watchers.watching("order-1") { watch in
            // Announced between the reader's look and its wait.
            watchers.announce(["order-1"])
            return await watch.nextChange(until: .now + .seconds(30))
        }
        #expect(outcome == .changed)
    }

    @Test func everyReaderOfTheKeyIsWokenAndOnlyThem() async throws {
        let watchers = ChangeWatchers<String>()
        let started = ContinuousClock.now
        async let first = watchers.watching("a") { watch in await watch.nextChange(until: .now + .seconds(30)) }
        async let second = watchers.watching("a") { watch in await watch.nextChange(until: .now + .seconds(30)) }
        async let other = watchers.watching("b") { watch in await watch.nextChange(until: .now + .milliseconds(800)) }
        for _ in 0..<200 where watchers.watchers(of: "a") < 2 || watchers.watchers(of: "b") < 1 { try await Task.sleep(for: .milliseconds(10)) }
        watchers.announce(["a", "c"])
        #expect(try await first == .changed)
        #expect(try await second == .changed)
        #expect(started.duration(to: .now) < .seconds(5))
        #expect(try await other == .timedOut)
        #expect(started.duration(to: .now) >= .milliseconds(750))
        #expect(watchers.watchers(of: "a") == 0 && watchers.watchers(of: "b") == 0)
    }

    @Test func eachWaitReturnsAtTheChangeAfterThePreviousOne() async throws {
        let watchers = ChangeWatchers<Int>()
        let outcomes = try await watchers.watching(7) { watch in
            watchers.announce([7])
            watchers.announce([7])
            // Two announcements before a wait are one change; the next wait sees none.
            return [await watch.nextChange(until: .now + .seconds(30)), await watch.nextChange(until: .now + .milliseconds(200))]
        }
        #expect(outcomes == [.changed, .timedOut])
    }

    @Test func aCancelledReaderStopsWaiting() async throws {
        let watchers = ChangeWatchers<Int>()
        let reader = Task { try await watchers.watching(1) { watch in await watch.nextChange(until: .now + .seconds(60)) } }
        for _ in 0..<200 where watchers.watchers(of: 1) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        reader.cancel()
        #expect(try await reader.value == .ended)
        #expect(started.duration(to: .now) < .seconds(5))
    }
}
