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
    private let leases: AdvisoryLeases
    /// What a span of this store's work says about the database.
    private let attributes: [String: String]
    private let running = StartGate()

    /// How a store's pool opens its connections.
    public enum Pool: Sendable {
        /// Opened at start and kept open, without keep-alive queries: what the services use. PostgresNIO's pool
        /// schedules an idle-close and a keep-alive timer each time a connection goes back idle and cancels them at
        /// its next lease; each timer is a sleeping task that, cancelled, stays in memory until its deadline (up to a
        /// minute). Under load that cost a fifth of a one-query request's CPU, and a service's memory grew by about
        /// 130 MB within that minute (Benchmarks/README.md, the thirteenth round); a pool of only minimum connections
        /// without keep-alive schedules none. A connection that breaks while idle fails the statement that next uses
        /// it, the way any broken connection does, and is replaced.
        case fixed(Int)
        /// Opened as statements need them and closed after a minute unused, at the price of those timers: for the
        /// short-lived stores of tests, many of which share one server.
        case onDemand(upTo: Int)
    }

    /// The services' pool.
    public static let servicePool = Pool.fixed(10)

    public init(host: String, port: Int, username: String, password: String?, database: String, requireTLS: Bool,
                pool: Pool = PostgresStore.servicePool, logger: Logger) throws {
        let tls: PostgresClient.Configuration.TLS = requireTLS ? .require(.makeClientConfiguration()) : .disable
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls
        )
        switch pool {
        case .fixed(let connections):
            configuration.options.minimumConnections = connections
            configuration.options.maximumConnections = connections
        case .onDemand(let connections):
            configuration.options.maximumConnections = connections
        }
        configuration.options.keepAliveBehavior = nil
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
        let leaseTLS: PostgresConnection.Configuration.TLS = requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
        let leaseConfiguration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: leaseTLS
        )
        self.leases = AdvisoryLeases(logger: logger) {
            try await PostgresConnection.connect(configuration: leaseConfiguration, id: 0, logger: logger)
        }
        self.attributes = ["db.system": "postgresql", "db.namespace": database, "server.address": host]
    }

    public func run() async throws {
        running.open()
        await client.run()
        await leases.shutDown()
    }

    /// Returns once ``run()`` has started: a one-off task (a command of `tradewind`) that runs the store beside its
    /// work would otherwise lease a connection before the pool runs, which works but makes PostgresNIO warn.
    public func waitUntilRunning() async throws { try await running.wait() }

    public func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await TraceContext.withChildSpan("db read", ofKind: .client, attributes: attributes) {
            try await client.withConnection { connection in try await body(PreparedPostgresDatabase(connection)) }
        }
    }

    public func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await TraceContext.withChildSpan("db transaction", ofKind: .client, attributes: attributes) {
            try await pooledTransaction(body)
        }
    }

    /// A session-level advisory lock, taken without waiting: a replica that finds it taken skips the round. The
    /// replica that takes it keeps it for later rounds, on a connection of its own (`AdvisoryLeases`), until that
    /// connection closes; `body`'s own statements use the pool.
    public func exclusively<T: Sendable>(_ lock: String, _ body: () async throws -> T) async throws -> T? {
        let key = Self.advisoryKey(lock)
        guard try await leases.beginPass(key) else { return nil }
        do {
            let result = try await body()
            await leases.endPass(key)
            return result
        } catch {
            await leases.endPass(key)
            throw error
        }
    }

    /// Whether PostgreSQL refused a statement for what it would have written (a constraint it breaks) or for waiting
    /// in a cycle with another transaction (a deadlock, a serialization failure): nothing of it was written, and the
    /// same work done another way, or again, may succeed. Anything else (a lost connection, a syntax error) is not.
    public static func refusedStatement(_ error: any Error) -> Bool {
        guard let state = (error as? PSQLError)?.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("23") || state == "40P01" || state == "40001"
    }

    /// A stable 63-bit key for a lock name (FNV-1a), the same in every process: in `pg_locks`, `classid` holds its
    /// high 32 bits and `objid` its low 32 bits.
    public static func advisoryKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash >> 1)
    }

    private func pooledTransaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(PreparedPostgresDatabase(connection)) }
        } catch let error as PostgresTransactionError {
            // The closure's own error (a domain rule, a conflict) is what callers handle; once the rollback has
            // succeeded, the wrapper adds nothing they can act on.
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            throw error
        }
    }
}
