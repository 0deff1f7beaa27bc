import Logging
import ServiceLifecycle

/// Opens the store a `DATABASE_URL` names. A PostgreSQL store is also returned as a service to run.
public enum DatabaseConnector {
    public static func open(_ url: DatabaseURL, logger: Logger) async throws -> (store: any SQLStore, service: (any Service)?) {
        switch url {
        case .sqlite(let path):
            return (try await SQLiteStore.open(path: path, logger: logger), nil)
        case .sqliteInMemory:
            return (try await SQLiteStore.open(path: nil, logger: logger), nil)
        case .postgres(let host, let port, let username, let password, let database, let requireTLS):
            let store = try PostgresStore(
                host: host, port: port, username: username, password: password, database: database,
                requireTLS: requireTLS, logger: logger
            )
            return (store, store)
        }
    }
}
