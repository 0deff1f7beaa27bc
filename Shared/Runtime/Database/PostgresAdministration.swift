import Logging
import PostgresNIO

/// Statements run outside any service's pool on a PostgreSQL server, such as creating or dropping a database:
/// one connection to the database `url` names, closed afterwards.
public enum PostgresAdministration {
    public static func execute(_ statement: PostgresQuery, on url: DatabaseURL, logger: Logger) async throws {
        guard case .postgres(let host, let port, let user, let password, let database, let requireTLS) = url else {
            throw ConfigurationError(variable: "DATABASE_URL", reason: "names no PostgreSQL server")
        }
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: host, port: port, username: user, password: password, database: database,
                                 tls: requireTLS ? .require(try .init(configuration: .makeClientConfiguration())) : .disable),
            id: 1, logger: logger
        )
        do {
            _ = try await connection.query(statement, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Creates the database `name` on the server of `url` unless it exists, and returns the URL of it.
    /// `name` must be a plain identifier (letters, digits, `_`), as it cannot be a bound parameter.
    public static func ensureDatabase(_ name: String, on url: DatabaseURL, logger: Logger) async throws -> DatabaseURL {
        guard case .postgres(let host, let port, let user, let password, _, let requireTLS) = url,
              !name.isEmpty, name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) })
        else { throw ConfigurationError(variable: "DATABASE_URL", reason: "cannot hold a database named \(name)") }
        do {
            try await execute("CREATE DATABASE \(unescaped: name)", on: url, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P04" {
            // 42P04 duplicate_database: it is there already.
        }
        return .postgres(host: host, port: port, username: user, password: password, database: name, requireTLS: requireTLS)
    }
}
