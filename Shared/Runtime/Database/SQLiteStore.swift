import Foundation
import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO
import ServiceLifecycle
import Synchronization
import Tracing

/// One SQLite connection, serialized: SQLite allows one writer at a time anyway, and a single connection
/// keeps transactions from seeing each other's statements.
public final class SQLiteStore: SQLStore, Service {
    public let dialect = SQLDialectKind.sqlite
    private let connection: SQLiteConnection
    private let lock = AsyncSerialLock()
    private let isClosed = Mutex(false)

    private init(connection: SQLiteConnection) { self.connection = connection }

    /// Opens (creating the file and its folder when needed) a database at `path`, or in memory for `nil`.
    public static func open(path: String?, logger: Logger) async throws -> SQLiteStore {
        let storage: SQLiteConnection.Storage
        if let path {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            storage = .file(path: path)
        } else {
            storage = .memory
        }
        let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
        do {
            let database = connection.sql()
            try await database.raw("PRAGMA foreign_keys = ON").run()
            try await database.raw("PRAGMA busy_timeout = 5000").run()
            if path != nil { try await database.raw("PRAGMA journal_mode = WAL").run() }
        } catch {
            try? await connection.close()
            throw error
        }
        return SQLiteStore(connection: connection)
    }

    public func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await TraceContext.withChildSpan("db read", ofKind: .client, attributes: ["db.system": "sqlite"]) {
            try await serialized { try await body(connection.sql()) }
        }
    }

    public func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await TraceContext.withChildSpan("db transaction", ofKind: .client, attributes: ["db.system": "sqlite"]) {
            try await serializedTransaction(body)
        }
    }

    private func serializedTransaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await serialized {
            let database = connection.sql()
            try await database.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// A SQLite file belongs to one process: there is no other replica to keep out.
    public func exclusively<T: Sendable>(_ lock: String, _ body: () async throws -> T) async throws -> T? {
        try await body()
    }

    /// Runs `work` while holding the connection; nobody else's statements interleave with it.
    private func serialized<T>(_ work: () async throws -> T) async throws -> T {
        await lock.acquire()
        do {
            let result = try await work()
            await lock.release()
            return result
        } catch {
            await lock.release()
            throw error
        }
    }

    /// Keeps the connection open until graceful shutdown, then closes it after in-flight work.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    public func close() async throws {
        guard isClosed.withLock({ closed in defer { closed = true }; return !closed }) else { return }
        // The future, not the async close: that one gives up in a cancelled task (the store's own `run` at shutdown)
        // and would leave the file open with the store believing it closed.
        try await connection.close().get()
    }

    /// A store dropped without `close()` (start-up failed before the service group ran) still closes its file.
    deinit {
        if !isClosed.withLock({ $0 }) { _ = connection.close() }
    }
}
