import Foundation
import SQLKit
import Testing
import TradewindRuntime
import TradewindTesting

/// The services' PostgreSQL pool has a fixed size: its connections open at start and stay open, however many
/// statements run at once, so no lease or release schedules an idle-close or keep-alive timer.
@Suite struct PostgresPoolTests {
    @Test func thePoolOpensItsConnectionsAtStartAndKeepsThemThroughABurst() async throws {
        guard TestDatabases.available.contains(.postgres) else { return }
        let size = 4
        try await TestDatabases.withPostgresReplicas(1, pool: .fixed(size)) { stores in
            let store = stores[0]
            var open = try await connectionsOpen(in: store)
            for _ in 0..<100 where open != size {
                try await Task.sleep(for: .milliseconds(50))
                open = try await connectionsOpen(in: store)
            }
            #expect(open == size, "the pool opens its \(size) connections without waiting for statements to need them")

            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<(size * 8) {
                    group.addTask { try await store.read { database in try await database.raw("SELECT pg_sleep(0.02)").run() } }
                }
                try await group.waitForAll()
            }
            #expect(try await connectionsOpen(in: store) == size, "a burst of statements waits for the pool's connections instead of opening more")
        }
    }

    /// The client connections to the store's database, the one running this query included.
    private func connectionsOpen(in store: any SQLStore) async throws -> Int {
        try await store.read { database in
            let row = try await database.raw("""
                SELECT count(*)::integer AS open FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'
                """).first()
            return try row?.decode(column: "open", as: Int.self) ?? 0
        }
    }
}
