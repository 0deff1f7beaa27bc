import Foundation
import Logging
import SQLKit
import Testing
import TradewindRuntime

@Suite struct SQLiteStoreTests {
    /// A store whose `run` is cancelled (a command that used it and is done) closes its file: dropping it then is
    /// no assertion failure in SQLiteNIO, and the file opens again.
    @Test func aStoreCancelledAtTheEndOfItsRunClosesItsFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        for round in 0..<2 {
            var store: SQLiteStore? = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [store] in try await store?.run() }
                try await store?.transaction { try await $0.raw("CREATE TABLE IF NOT EXISTS t (n INTEGER)").run() }
                try await store?.transaction { try await $0.raw("INSERT INTO t (n) VALUES (\(bind: round))").run() }
                group.cancelAll()
                try? await store?.close()
                try await group.waitForAll()
            }
            store = nil
        }
        let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
        let count = try await store.read { try await $0.raw("SELECT COUNT(*) AS n FROM t").first()?.decode(column: "n", as: Int.self) }
        #expect(count == 2)
        try await store.close()
    }
}
