import Foundation

/// Where a service keeps its data: `sqlite://PATH` (relative or absolute), `sqlite::memory:`,
/// or `postgres://user:password@host:port/database`.
public enum DatabaseURL: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case sqliteInMemory
    case postgres(host: String, port: Int, username: String, password: String?, database: String, requireTLS: Bool)

    public init(_ raw: String) throws(ConfigurationError) {
        func invalid(_ reason: String) -> ConfigurationError {
            ConfigurationError(variable: "DATABASE_URL", reason: reason)
        }
        if raw == "sqlite::memory:" || raw == "sqlite://:memory:" {
            self = .sqliteInMemory
            return
        }
        if raw.hasPrefix("sqlite://") {
            let path = String(raw.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw invalid("needs a file path after sqlite://") }
            self = .sqlite(path: path)
            return
        }
        guard raw.hasPrefix("postgres://") || raw.hasPrefix("postgresql://"),
              let components = URLComponents(string: raw), let host = components.host, !host.isEmpty
        else { throw invalid("must start with sqlite:// or postgres://") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw invalid("needs a database name after the host") }
        guard let username = components.user, !username.isEmpty else { throw invalid("needs a user name") }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        guard ["disable", "require"].contains(sslMode) else { throw invalid("sslmode must be disable or require") }
        if let password = components.password, SecretPolicy.isPlaceholder(password) {
            throw invalid("has a placeholder password; set the database role's real password")
        }
        self = .postgres(
            host: host, port: components.port ?? 5432, username: username, password: components.password,
            database: database, requireTLS: sslMode == "require"
        )
    }

    /// The URL with any password masked, for logs and status pages.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        case .sqliteInMemory: "sqlite::memory:"
        case .postgres(let host, let port, let username, _, let database, _): "postgres://\(username):***@\(host):\(port)/\(database)"
        }
    }
}
