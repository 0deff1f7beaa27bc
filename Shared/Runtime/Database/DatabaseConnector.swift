import Logging
import ServiceLifecycle

/// Opens the store a `DATABASE_URL` names. The store is also a service: run it in the service group, which
/// keeps PostgreSQL's pool running and closes either database on shutdown.
public enum DatabaseConnector {
    public static func open(_ url: DatabaseURL, logger: Logger) async throws -> any SQLStore & Service {
        switch url {
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger)
        case .sqliteInMemory:
            return try await SQLiteStore.open(path: nil, logger: logger)
        case .postgres(let host, let port, let username, let password, let database, let requireTLS):
            let store = try PostgresStore(
                host: host, port: port, username: username, password: password, database: database,
                requireTLS: requireTLS, logger: logger
            )
            return store
        }
    }
}
