import Foundation
import Logging
import SQLKit

/// One versioned schema change. `statements` may differ per dialect (types, indexes); most are shared.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: @Sendable (SQLDialectKind) -> [String]

    public init(version: Int, name: String, statements: @escaping @Sendable (SQLDialectKind) -> [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// Applies pending migrations in version order, each inside one transaction together with its
/// bookkeeping row, so a failed migration leaves the schema as it was.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(_ migrations: [Migration]) {
        precondition(Set(migrations.map(\.version)).count == migrations.count, "migration versions must be unique")
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Returns the versions it applied.
    @discardableResult
    public func migrate(_ store: any SQLStore, logger: Logger) async throws -> [Int] {
        try await store.transaction { database in
            try await database.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            ).run()
        }
        var applied: [Int] = []
        for migration in migrations {
            let didApply = try await store.transaction { database in
                if store.dialect == .postgres {
                    // Several replicas may start at once: one migrates, the others wait and then skip.
                    try await database.raw("SELECT pg_advisory_xact_lock(7261011)").run()
                }
                let done = try await database.raw(
                    "SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)"
                ).first()
                guard done == nil else { return false }
                for statement in migration.statements(store.dialect) {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await database.raw(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().ISO8601Format()))"
                ).run()
                return true
            }
            if didApply {
                applied.append(migration.version)
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
        return applied
    }

    /// The highest applied version, or 0 when none is.
    public func appliedVersion(_ store: any SQLStore) async throws -> Int {
        try await store.read { database in
            let row = try await database.raw("SELECT MAX(version) AS version FROM schema_migrations").first()
            return try row?.decodeNil(column: "version") == false ? try row?.decode(column: "version", as: Int.self) ?? 0 : 0
        }
    }
}
