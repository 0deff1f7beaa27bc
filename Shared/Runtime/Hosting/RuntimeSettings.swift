import Foundation
import Logging

/// The settings every service process reads from its environment (see the README's configuration table).
public struct RuntimeSettings: Sendable {
    public var serviceName: String
    public var host: String
    public var port: Int
    public var database: DatabaseURL
    public var logFormat: LogFormat
    public var logLevel: Logger.Level
    public var maximumBodyBytes: Int
    /// Where to fetch the issuer's public keys; `nil` for the issuer itself.
    public var jwksURL: String?
    public var tokenIssuer: String
    public var tokenAudience: String
    /// Where to register this instance; `nil` runs without a registry.
    public var registryURL: String?
    /// This service's own registry token (`service.<name>.…`), which lets it register instances of its name only;
    /// the gateway's (`reader.gateway.…`) only reads its settings.
    public var registryToken: String?
    /// The address other services reach this instance at.
    public var advertisedAddress: String
    /// `TRUSTED_PROXIES`: whose `X-Forwarded-For` names the client. Default: nobody's, so that no client can choose
    /// the address it is counted under; `tradewind up` trusts this machine, where its gateway runs, and compose and
    /// Kubernetes name their gateway (SECURITY.md).
    public var trustedProxies: TrustedProxies
    /// How long the server waits for slow or idle clients.
    public var timeouts: ServerTimeouts

    public init(
        serviceName: String, host: String = "127.0.0.1", port: Int, database: DatabaseURL, logFormat: LogFormat = .text,
        logLevel: Logger.Level = .info, maximumBodyBytes: Int = 1 << 20, jwksURL: String? = nil,
        tokenIssuer: String = RuntimeSettings.defaultIssuer, tokenAudience: String = RuntimeSettings.defaultAudience,
        registryURL: String? = nil, registryToken: String? = nil, advertisedAddress: String? = nil, trustedProxies: TrustedProxies = .none,
        timeouts: ServerTimeouts = ServerTimeouts()
    ) {
        self.timeouts = timeouts
        self.trustedProxies = trustedProxies
        self.registryURL = registryURL
        self.registryToken = registryToken
        self.advertisedAddress = advertisedAddress ?? (host == "0.0.0.0" || host == "::" ? ProcessInfo.processInfo.hostName : host)
        self.serviceName = serviceName
        self.host = host
        self.port = port
        self.database = database
        self.logFormat = logFormat
        self.logLevel = logLevel
        self.maximumBodyBytes = maximumBodyBytes
        self.jwksURL = jwksURL
        self.tokenIssuer = tokenIssuer
        self.tokenAudience = tokenAudience
    }

    static func trustedProxies(_ environment: ServiceEnvironment) throws -> TrustedProxies {
        guard let list = environment.string("TRUSTED_PROXIES") else { return .none }
        do {
            return try TrustedProxies(parsing: list)
        } catch {
            throw ConfigurationError(variable: "TRUSTED_PROXIES", reason: "\(error)")
        }
    }

    /// What a process may do in the registry, which decides the token it holds.
    public enum RegistryRole: Sendable {
        /// Registers its instances and reads its settings (`service.<name>.…`).
        case registers
        /// Reads its settings only (`reader.<name>.…`): the gateway, which faces the outside.
        case readsSettings

        func identity(of serviceName: String) -> RegistryCredential.Identity {
            switch self {
            case .registers: .service(serviceName)
            case .readsSettings: .settingsReader(serviceName)
            }
        }

        func tokenPrefix(of serviceName: String) -> String {
            switch self {
            case .registers: "service.\(serviceName)."
            case .readsSettings: "reader.\(serviceName)."
            }
        }
    }

    static func registryToken(serviceName: String, role: RegistryRole, _ environment: ServiceEnvironment) throws -> String? {
        guard let token = environment.string("REGISTRY_TOKEN") else {
            return LocalRegistrySecret.existing().map { RegistryCredential.token(for: role.identity(of: serviceName), secret: $0) }
        }
        let prefix = role.tokenPrefix(of: serviceName)
        guard token.hasPrefix(prefix) else {
            throw ConfigurationError(
                variable: "REGISTRY_TOKEN",
                reason: "must be this service's own registry token (\(prefix)…, made from the registry's secret; see Services/Registry/README.md), not another service's or a shared one"
            )
        }
        return token
    }

    public static let defaultIssuer = "tradewind-user-service"
    public static let defaultAudience = "tradewind"

    /// Reads `HOST`, `PORT`, `DATABASE_URL`, `LOG_FORMAT`, `LOG_LEVEL`, `MAX_BODY_BYTES`, `JWKS_URL`,
    /// `JWT_ISSUER`, `JWT_AUDIENCE`, `REGISTRY_URL` (`none` to run without a registry), `REGISTRY_TOKEN` (this service's
    /// own registry token; locally derived from `.tradewind/registry.secret`), `ADVERTISE_ADDRESS`, `TRUSTED_PROXIES`, `IDLE_TIMEOUT_SECONDS`, `HEADER_READ_TIMEOUT_SECONDS`,
    /// `BODY_READ_TIMEOUT_SECONDS`. The database defaults to `.tradewind/<service>.sqlite`.
    public static func load(
        serviceName: String, defaultPort: Int, from environment: ServiceEnvironment, defaultJWKSURL: String?, registryRole: RegistryRole = .registers
    ) throws -> RuntimeSettings {
        let defaultDatabase = "sqlite://.tradewind/\(serviceName).sqlite"
        let registry = environment.string("REGISTRY_URL", default: "http://127.0.0.1:8500")
        let registryURL = registry == "none" ? nil : try environment.url("REGISTRY_URL", default: registry)?.absoluteString
        return RuntimeSettings(
            serviceName: serviceName,
            host: environment.string("HOST", default: "127.0.0.1"),
            port: try environment.int("PORT", default: defaultPort, in: 1...65535),
            database: try DatabaseURL(environment.string("DATABASE_URL", default: defaultDatabase)),
            logFormat: try environment.choice("LOG_FORMAT", default: LogFormat.text),
            logLevel: try environment.choice("LOG_LEVEL", default: Logger.Level.info),
            maximumBodyBytes: try environment.int("MAX_BODY_BYTES", default: 1 << 20, in: 1024...(64 << 20)),
            jwksURL: try environment.url("JWKS_URL", default: defaultJWKSURL)?.absoluteString,
            tokenIssuer: environment.string("JWT_ISSUER", default: defaultIssuer),
            tokenAudience: environment.string("JWT_AUDIENCE", default: defaultAudience),
            registryURL: registryURL,
            registryToken: try registryToken(serviceName: serviceName, role: registryRole, environment),
            advertisedAddress: environment.string("ADVERTISE_ADDRESS"),
            trustedProxies: try trustedProxies(environment),
            timeouts: try ServerTimeouts.load(environment)
        )
    }
}
