import Foundation
import Logging
import PostgresKit
import PostgresNIO
import TradewindRuntime

/// The databases a repository test runs against: always SQLite in memory, and PostgreSQL when
/// `TRADEWIND_TEST_POSTGRES_URL` names a server (CI always sets it; locally the PostgreSQL cases are skipped
/// with a printed reason). Each PostgreSQL test gets a fresh database, dropped afterwards.
public enum TestDatabases {
    public enum Kind: String, CaseIterable, Sendable {
        case sqlite
        case postgres
    }

    public static let postgresVariable = "TRADEWIND_TEST_POSTGRES_URL"

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment[postgresVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The kinds available here; prints once why PostgreSQL is missing.
    public static var available: [Kind] {
        if postgresURL != nil { return Kind.allCases }
        reportSkip
        return [.sqlite]
    }

    private static let reportSkip: Void = {
        print("note: PostgreSQL repository tests skipped: set \(postgresVariable)=postgres://user@127.0.0.1:5432/postgres to run them")
    }()

    /// Runs `body` with a fresh, empty store of `kind`, closing (and for PostgreSQL dropping) it afterwards.
    public static func withStore<T: Sendable>(_ kind: Kind, _ body: (any SQLStore) async throws -> T) async throws -> T {
        var logger = Logger(label: "test-database")
        logger.logLevel = .warning
        switch kind {
        case .sqlite:
            let store = try await SQLiteStore.open(path: nil, logger: logger)
            do {
                let result = try await body(store)
                try await store.close()
                return result
            } catch {
                try? await store.close()
                throw error
            }
        case .postgres:
            return try await withPostgresReplicas(1, logger: logger) { stores in try await body(stores[0]) }
        }
    }

    /// Runs `body` with `count` stores on one fresh PostgreSQL database, as replicas of one service would share it;
    /// each has its own pool, opened on demand by default: tests run side by side against one server (CI's allows
    /// 100 connections). Needs `TRADEWIND_TEST_POSTGRES_URL`.
    public static func withPostgresReplicas<T: Sendable>(
        _ count: Int, pool: PostgresStore.Pool = .onDemand(upTo: 10), logger: Logger = Logger(label: "test-database"),
        _ body: ([PostgresStore]) async throws -> T
    ) async throws -> T {
        var logger = logger
        logger.logLevel = .warning
        guard let admin = postgresURL, case .postgres(let host, let port, let user, let password, _, _) = try DatabaseURL(admin) else {
            throw TestDatabaseError("\(postgresVariable) is not set")
        }
        let name = "tradewind_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        let server = try DatabaseURL(admin)
        try await PostgresAdministration.execute("CREATE DATABASE \(unescaped: name)", on: server, logger: logger)
        let result: Result<T, any Error>
        do {
            let stores = try (0..<count).map { _ in
                try PostgresStore(host: host, port: port, username: user, password: password, database: name, requireTLS: false,
                                  pool: pool, logger: logger)
            }
            result = .success(try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores { group.addTask { try await store.run() } }
                defer { group.cancelAll() }
                for store in stores { try await store.waitUntilRunning() }
                return try await body(stores)
            })
        } catch {
            result = .failure(error)
        }
        try await PostgresAdministration.execute("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", on: server, logger: logger)
        return try result.get()
    }
}


public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
