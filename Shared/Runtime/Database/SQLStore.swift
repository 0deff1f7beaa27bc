import SQLKit

public enum SQLDialectKind: String, Sendable {
    case sqlite
    case postgres
}

/// A service's database: every repository goes through it, on SQLite or PostgreSQL alike.
/// `read` runs one or more statements on a connection; `transaction` runs them atomically.
public protocol SQLStore: Sendable {
    var dialect: SQLDialectKind { get }
    func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T
    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` unless another process sharing this database is running work under the same `lock` (replicas
    /// of one service each run the same background workers); `nil` when it was skipped for that reason.
    func exclusively<T: Sendable>(_ lock: String, _ body: () async throws -> T) async throws -> T?
}

extension SQLStore {
    /// Runs one statement and returns its rows, outside an explicit transaction. A single statement is atomic by itself
    /// (on PostgreSQL also one that writes several tables through data-modifying `WITH` clauses), and leaving BEGIN
    /// and COMMIT out saves their two round trips.
    public func atomicStatement(_ statement: SQLQueryString) async throws -> [any SQLRow] {
        try await read { database in try await database.raw(statement).all() }
    }

    /// Runs `body`, which issues exactly one statement (an update or delete of several rows, say), outside an
    /// explicit transaction: atomic by itself, without the round trips of BEGIN and COMMIT.
    public func atomicStatement<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await read(body)
    }
}
