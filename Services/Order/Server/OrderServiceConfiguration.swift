import Foundation
import TradewindRuntime

/// Everything the order service reads from its environment, on top of the shared ``RuntimeSettings``.
public struct OrderServiceConfiguration: Sendable {
    public static let defaultPort = 8085

    public var runtime: RuntimeSettings
    /// `WAREHOUSE_LOCATION`: the UN/LOCODE goods ship from.
    public var warehouse: String
    /// `TOKEN_URL`, `SERVICE_CLIENT_ID`, `SERVICE_CLIENT_SECRET`: how this service obtains its own token
    /// (`client_credentials`) to call the product and cargo services and to deliver events.
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String?
    /// `<SERVICE>_URL` variables: fixed instances that take precedence over the registry.
    public var staticDiscovery: StaticDiscovery

    public init(runtime: RuntimeSettings, warehouse: String = "CNHKG", tokenURL: String = "http://127.0.0.1:8081/oauth/token",
                clientID: String = "order-service", clientSecret: String? = nil, staticDiscovery: StaticDiscovery = StaticDiscovery([:])) {
        self.runtime = runtime
        self.warehouse = warehouse
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.staticDiscovery = staticDiscovery
    }

    public static func load(from environment: ServiceEnvironment) throws -> OrderServiceConfiguration {
        let runtime = try RuntimeSettings.load(
            serviceName: "order-service", defaultPort: defaultPort, from: environment,
            defaultJWKSURL: "http://127.0.0.1:8081/.well-known/jwks.json"
        )
        let warehouse = environment.string("WAREHOUSE_LOCATION", default: "CNHKG").uppercased()
        guard warehouse.count == 5 else { throw ConfigurationError(variable: "WAREHOUSE_LOCATION", reason: "must be a UN/LOCODE such as CNHKG") }
        return OrderServiceConfiguration(
            runtime: runtime, warehouse: warehouse,
            tokenURL: try environment.url("TOKEN_URL", default: "http://127.0.0.1:8081/oauth/token")?.absoluteString ?? "http://127.0.0.1:8081/oauth/token",
            clientID: environment.string("SERVICE_CLIENT_ID", default: "order-service"),
            clientSecret: environment.string("SERVICE_CLIENT_SECRET"),
            staticDiscovery: StaticDiscovery(environment: environment, services: ["product-service", "cargo-service", "cart-service"])
        )
    }
}
