import Foundation
import TradewindKernel
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
    /// `SERVICE_CLIENTS=id:secret,id:secret`: machine clients for the client_credentials grant, with the scopes of
    /// ``defaultScopes`` or of `SERVICE_CLIENT_SCOPES=id=scope scope;id=scope`.
    public var serviceClients: [MachineClientSetting]
    /// `PASSWORD_WORK_PER_SECOND` / `PASSWORD_WORK_BURST`: the bcrypt work one client address may cause.
    public var passwordWork: TokenBucketPasswordWorkBudget.Limits

    public struct MachineClientSetting: Sendable, Equatable {
        public var id: String
        public var secret: String
        public var scopes: Set<String>

        public init(id: String, secret: String, scopes: Set<String>) {
            self.id = id
            self.secret = secret
            self.scopes = scopes
        }
    }

    /// What Tradewind's own machine clients may do: the order service reads carts, reserves stock, books freight and
    /// publishes the order's events; the cargo service, and every context generated with `--publishes`, publishes its own.
    /// Any other client has no scope unless given one.
    public static let defaultScopes: [String: Set<String>] = [
        "order-service": [Scope.readCarts, Scope.reserveStock, Scope.bookFreight, Scope.publishEvents(of: "order-service")],
        "cargo-service": [Scope.publishEvents(of: "cargo-service")],
        // tradewind new context: publisher scopes
    ]

    public init(
        runtime: RuntimeSettings, keys: SigningKeyStore, bcryptCost: Int = 12, accessTokenLifetime: TimeInterval = 900,
        refreshTokenLifetime: TimeInterval = 30 * 24 * 3600, bootstrapAdmin: (email: String, password: String)? = nil,
        serviceClients: [MachineClientSetting] = [], passwordWork: TokenBucketPasswordWorkBudget.Limits = .init()
    ) {
        self.passwordWork = passwordWork
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
        let adminEmail = environment.string("ADMIN_EMAIL"), adminPassword = try environment.secret("ADMIN_PASSWORD")
        if (adminEmail == nil) != (adminPassword == nil) {
            throw ConfigurationError(variable: adminEmail == nil ? "ADMIN_EMAIL" : "ADMIN_PASSWORD", reason: "must be set together with \(adminEmail == nil ? "ADMIN_PASSWORD" : "ADMIN_EMAIL")")
        }
        let bcryptCost = try environment.int("BCRYPT_COST", default: 12, in: 4...16)
        return UserServiceConfiguration(
            runtime: runtime,
            keys: SigningKeyStore(environment: environment),
            bcryptCost: bcryptCost,
            accessTokenLifetime: TimeInterval(try environment.int("ACCESS_TOKEN_TTL_SECONDS", default: 900, in: 60...86_400)),
            refreshTokenLifetime: TimeInterval(try environment.int("REFRESH_TOKEN_TTL_SECONDS", default: 30 * 24 * 3600, in: 300...(365 * 24 * 3600))),
            bootstrapAdmin: adminEmail.flatMap { email in adminPassword.map { (email, $0) } },
            serviceClients: try parseClients(environment.string("SERVICE_CLIENTS"), scopes: parseScopes(environment.string("SERVICE_CLIENT_SCOPES"))),
            passwordWork: .init(perAddress: .init(
                ratePerSecond: Double(try environment.int("PASSWORD_WORK_PER_SECOND", default: 1, in: 1...10_000)),
                capacity: try environment.int("PASSWORD_WORK_BURST", default: 10, in: 1...100_000)
            ), global: TokenBucketPasswordWorkBudget.Limits.global(bcryptCost: bcryptCost))
        )
    }

    static func parseScopes(_ raw: String?) throws -> [String: Set<String>] {
        guard let raw else { return defaultScopes }
        var scopes = defaultScopes
        for entry in raw.split(separator: ";") {
            let parts = entry.split(separator: "=", maxSplits: 1)
            let granted = Set(parts.dropFirst().first?.split(separator: " ").map(String.init) ?? [])
            guard parts.count == 2, !parts[0].isEmpty, granted.allSatisfy(Scope.isWellFormed) else {
                throw ConfigurationError(variable: "SERVICE_CLIENT_SCOPES", reason: "must be a ;-separated list of client-id=scope scope …")
            }
            scopes[String(parts[0]).trimmingCharacters(in: .whitespaces)] = granted
        }
        return scopes
    }

    static func parseClients(_ raw: String?, scopes: [String: Set<String>]) throws -> [MachineClientSetting] {
        guard let raw else { return [] }
        return try raw.split(separator: ",").map { entry in
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ConfigurationError(variable: "SERVICE_CLIENTS", reason: "must be a comma-separated list of id:secret")
            }
            let id = String(parts[0]).trimmingCharacters(in: .whitespaces)
            if let weakness = SecretPolicy.weakness(of: String(parts[1])) {
                throw ConfigurationError(variable: "SERVICE_CLIENTS", reason: "has a secret for \(id) that \(weakness)")
            }
            return MachineClientSetting(id: id, secret: String(parts[1]), scopes: scopes[id] ?? [])
        }
    }
}
