import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TradewindRuntime

/// Background workers (relays, sweepers) must not touch the database before its migrations have run.
@Suite struct StartGateTests {
    final class Journal: Sendable {
        let entries = Mutex<[String]>([])
        func record(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    struct RecordingWorker: Service {
        let journal: Journal
        func run() async throws {
            journal.record("worker started")
            try? await gracefulShutdown()
        }
    }

    @Test func workersStartOnlyAfterThePreparationsFinished() async throws {
        let journal = Journal()
        let router = Router(context: ServiceRequestContext.self)
        router.get("/ping") { _, _ in "pong" }
        let app = ServiceHost.makeApplication(
            router: router, settings: RuntimeSettings(serviceName: "gate-test", port: 0, database: .sqliteInMemory),
            services: [], workers: [RecordingWorker(journal: journal), RecordingWorker(journal: journal)], logger: Logger(label: "gate-test"),
            beforeStart: {
                try await Task.sleep(for: .milliseconds(200))
                journal.record("migrated")
            }
        )
        try await app.test(.live) { client throws in
            let answer = try await client.execute(uri: "/ping", method: .get)
            #expect(answer.status == .ok)
        }
        #expect(journal.all == ["migrated", "worker started", "worker started"])
    }
}
