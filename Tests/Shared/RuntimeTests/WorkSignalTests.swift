import Foundation
import Logging
import SQLKit
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// Workers woken by committed work instead of waiting out their poll interval.
@Suite struct WorkSignalTests {
    let logger = Logger(label: "work-signal-test")

    @Test func aWakeSinceTheWorkerLastLookedEndsTheWaitAtOnce() async {
        let signal = WorkSignal()
        let seen = signal.generation
        signal.wake()
        let elapsed = await ContinuousClock().measure { await signal.wait(after: seen, upTo: .seconds(60)) }
        #expect(elapsed < .seconds(30))
    }

    @Test func aWakeDuringTheWaitEndsIt() async {
        let signal = WorkSignal()
        let seen = signal.generation
        let waiting = Task { await ContinuousClock().measure { await signal.wait(after: seen, upTo: .seconds(60)) } }
        try? await Task.sleep(for: .milliseconds(50))
        signal.wake()
        #expect(await waiting.value < .seconds(30))
    }

    @Test func withoutAWakeTheWaitLastsTheInterval() async {
        let signal = WorkSignal()
        let elapsed = await ContinuousClock().measure { await signal.wait(after: signal.generation, upTo: .milliseconds(100)) }
        #expect(elapsed >= .milliseconds(100))
    }

    @Test func cancellingTheWaiterEndsTheWait() async {
        let signal = WorkSignal()
        let waiting = Task { await ContinuousClock().measure { await signal.wait(after: signal.generation, upTo: .seconds(60)) } }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value < .seconds(30))
    }

    @Test func aWokenWorkerRunsItsNextPassWithoutWaitingOutItsInterval() async throws {
        let signal = WorkSignal()
        let passes = Mutex(0)
        let work = RepeatingWork("test", every: .seconds(60), wokenBy: signal, logger: logger) {
            passes.withLock { $0 += 1 }
            return 0
        }
        let running = Task { try await work.run() }
        defer { running.cancel() }
        try await waitUntil { passes.withLock { $0 } == 1 }
        signal.wake()
        try await waitUntil { passes.withLock { $0 } == 2 }
    }

    /// An event committed in this process goes out at once, though the relay's poll interval is a minute.
    @Test(arguments: TestDatabases.available)
    func theRelayDeliversAnEventAsSoonAsItsWriterWakesIt(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await OutboxTests.migrator.migrate(store, logger: logger)
            let signal = WorkSignal()
            let publisher = OutboxTests.RecordingPublisher()
            let relay = OutboxRelay(store: store, publisher: publisher, policy: .init(pollInterval: .seconds(60)), wokenBy: signal, logger: logger)
            let running = Task { try await relay.run() }
            defer { running.cancel() }
            // Let the relay find the outbox empty and start waiting.
            try await Task.sleep(for: .milliseconds(200))
            try await store.transaction { database in
                try await Outbox.append(OutboxTests().event("e1", aggregate: "A", at: Date()), in: database)
            }
            signal.wake()
            try await waitUntil { publisher.delivered.withLock { $0 } == ["e1"] }
        }
    }

    /// Polls `condition` for up to 20 s; the signal under test answers in milliseconds, the interval is a minute.
    private func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for _ in 0..<400 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the condition did not hold within 20 s", sourceLocation: sourceLocation)
    }
}
