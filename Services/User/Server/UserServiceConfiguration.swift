import Foundation
import TradewindRuntime
import UserInfrastructure

/// Everything the user service reads from its environment, on top of the shared ``RuntimeSettings``.
public struct UserServiceConfiguration: Sendable {
    public static let defaultPort = 8081

    public var runtime: RuntimeSettings
    public var keys: SigningKeyStore
    public var bcryptCost: Int
    public var accessTokenLifetime: TimeInterval
    public var refreshTokenLifetime: TimeInterval
    /// `ADMIN_EMAIL` / `ADMIN_PASSWORD`: the first administrator, created at start when both are set.
    public var bootstrapAdmin: (email: String, password: String)?
    /// `SERVICE_CLIENTS=id:secret,id:secret`: machine clients for the client_credentials grant.
    public var serviceClients: [(id: String, secret: String)]

    public init(
        runtime: RuntimeSettings, keys: SigningKeyStore, bcryptCost: Int = 12, accessTokenLifetime: TimeInterval = 900,
        refreshTokenLifetime: TimeInterval = 30 * 24 * 3600, bootstrapAdmin: (email: String, password: String)? = nil,
        serviceClients: [(id: String, secret: String)] = []
    ) {
        self.runtime = runtime
        self.keys = keys
        self.bcryptCost = bcryptCost
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.bootstrapAdmin = bootstrapAdmin
        self.serviceClients = serviceClients
    }

    public static func load(from environment: ServiceEnvironment) throws -> UserServiceConfiguration {
        let runtime = try RuntimeSettings.load(serviceName: "user-service", defaultPort: defaultPort, from: environment, defaultJWKSURL: nil)
        let adminEmail = environment.string("ADMIN_EMAIL"), adminPassword = environment.string("ADMIN_PASSWORD")
        if (adminEmail == nil) != (adminPassword == nil) {
            throw ConfigurationError(variable: adminEmail == nil ? "ADMIN_EMAIL" : "ADMIN_PASSWORD", reason: "must be set together with \(adminEmail == nil ? "ADMIN_PASSWORD" : "ADMIN_EMAIL")")
        }
        return UserServiceConfiguration(
            runtime: runtime,
            keys: SigningKeyStore(environment: environment),
            bcryptCost: try environment.int("BCRYPT_COST", default: 12, in: 4...16),
            accessTokenLifetime: TimeInterval(try environment.int("ACCESS_TOKEN_TTL_SECONDS", default: 900, in: 60...86_400)),
            refreshTokenLifetime: TimeInterval(try environment.int("REFRESH_TOKEN_TTL_SECONDS", default: 30 * 24 * 3600, in: 300...(365 * 24 * 3600))),
            bootstrapAdmin: adminEmail.flatMap { email in adminPassword.map { (email, $0) } },
            serviceClients: try parseClients(environment.string("SERVICE_CLIENTS"))
        )
    }

    static func parseClients(_ raw: String?) throws -> [(id: String, secret: String)] {
        guard let raw else { return [] }
        return try raw.split(separator: ",").map { entry in
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].utf8.count >= 16 else {
                throw ConfigurationError(variable: "SERVICE_CLIENTS", reason: "must be a comma-separated list of id:secret with secrets of at least 16 characters")
            }
            return (String(parts[0]).trimmingCharacters(in: .whitespaces), String(parts[1]))
        }
    }
}
