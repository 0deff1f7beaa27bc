import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle
import Tracing

/// A pooled PostgreSQL client. It is a `Service`: run it in the service group, which closes the pool on shutdown.
public final class PostgresStore: SQLStore, Service {
    public let dialect = SQLDialectKind.postgres
    public let client: PostgresClient
    private let logger: Logger
    /// What a span of this store's work says about the database.
    private let attributes: [String: String]

    public init(host: String, port: Int, username: String, password: String?, database: String, requireTLS: Bool, logger: Logger) throws {
        let tls: PostgresClient.Configuration.TLS = requireTLS ? .require(.makeClientConfiguration()) : .disable
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls
        )
        configuration.options.maximumConnections = 10
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
        self.attributes = ["db.system": "postgresql", "db.namespace": database, "server.address": host]
    }

    public func run() async throws {
        await client.run()
    }

    public func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await TraceContext.withChildSpan("db read", ofKind: .client, attributes: attributes) {
            try await client.withConnection { connection in try await body(connection.sql()) }
        }
    }

    public func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await TraceContext.withChildSpan("db transaction", ofKind: .client, attributes: attributes) {
            try await pooledTransaction(body)
        }
    }

    private func pooledTransaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection.sql()) }
        } catch let error as PostgresTransactionError {
            // The closure's own error (a domain rule, a conflict) is what callers handle; once the rollback has
            // succeeded, the wrapper adds nothing they can act on.
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            throw error
        }
    }
}
