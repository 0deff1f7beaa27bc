import Foundation
import Logging
import RegistryDomain
import RegistryInfrastructure
import Testing
import TradewindRuntime
import TradewindTesting

/// The key/value store on SQLite, and on PostgreSQL when `TRADEWIND_TEST_POSTGRES_URL` names a server.
@Suite struct SQLKeyValueRepositoryTests {
    func migrated(_ kind: TestDatabases.Kind, _ body: (SQLKeyValueRepository) async throws -> Void) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await RegistrySchema.migrator.migrate(store, logger: Logger(label: "test"))
            try await body(SQLKeyValueRepository(store: store))
        }
    }

    @Test(arguments: TestDatabases.available)
    func writesTakeTheNextIndexAndCheckAndSetGuardsThem(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            #expect(try await store.currentIndex() == 1)
            #expect(try await store.put("config/dev/a", value: Array("one".utf8), flags: UInt64.max, if: CheckAndSet(0)))
            let created = try #require(try await store.entry("config/dev/a"))
            #expect(created.value == Array("one".utf8) && created.flags == UInt64.max && created.createIndex == 2 && created.modifyIndex == 2)
            #expect(try await !store.put("config/dev/a", value: [], flags: 0, if: CheckAndSet(0)), "cas=0 creates only")
            #expect(try await !store.put("config/dev/a", value: [], flags: 0, if: CheckAndSet(1)), "a stale index does not write")
            #expect(try await store.put("config/dev/a", value: [0, 255], flags: 3, if: CheckAndSet(2)))
            let changed = try #require(try await store.entry("config/dev/a"))
            #expect(changed.value == [0, 255] && changed.flags == 3 && changed.createIndex == 2 && changed.modifyIndex == 3)
            #expect(try await store.currentIndex() == 3)
            #expect(try await store.entry("config/dev/b") == nil)
        }
    }

    @Test(arguments: TestDatabases.available)
    func prefixesMatchLiterallyInByteOrderAndDeletesAreCounted(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            for key in ["app/b", "app/a%", "app/a_", "app/Z", "apple", "other"] {
                #expect(try await store.put(key, value: Array(key.utf8), flags: 0, if: nil))
            }
            #expect(try await store.entries(withPrefix: "app/").map(\.key) == ["app/Z", "app/a%", "app/a_", "app/b"])
            #expect(try await store.entries(withPrefix: "app/a%").map(\.key) == ["app/a%"], "% is not a wildcard")
            #expect(try await store.entries(withPrefix: "").count == 6)
            #expect(try await store.lastDeleteIndex() == 0)
            #expect(try await !store.delete("app/b", recursive: false, if: CheckAndSet(0)), "cas=0 never deletes")
            #expect(try await store.delete("app/", recursive: true, if: nil))
            #expect(try await store.entries(withPrefix: "").map(\.key) == ["apple", "other"])
            #expect(try await store.lastDeleteIndex() == store.currentIndex())
            let other = try #require(try await store.entry("other"))
            #expect(try await !store.delete("other", recursive: false, if: CheckAndSet(other.modifyIndex - 1)))
            #expect(try await store.delete("other", recursive: false, if: CheckAndSet(other.modifyIndex)))
            #expect(try await store.delete("missing", recursive: false, if: nil), "deleting a missing key is not an error, as in Consul")
        }
    }

    /// The keys and the index are in the database: a new repository on the same database (a restarted registry)
    /// goes on where the last one stopped.
    @Test func aRestartKeepsEveryKeyAndTheIndex() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = DatabaseURL.sqlite(path: folder.appendingPathComponent("registry.sqlite").path)
        let logger = Logger(label: "test")
        for run in 0..<2 {
            guard case .sqlite(let path) = url else { return }
            let store = try await SQLiteStore.open(path: path, logger: logger)
            try await RegistrySchema.migrator.migrate(store, logger: logger)
            let repository = SQLKeyValueRepository(store: store)
            if run == 0 {
                #expect(try await repository.put("config/dev/shared/x", value: [1], flags: 0, if: nil))
            } else {
                #expect(try await repository.entry("config/dev/shared/x")?.value == [1])
                #expect(try await repository.currentIndex() == 2)
            }
            try await store.close()
        }
    }
}
