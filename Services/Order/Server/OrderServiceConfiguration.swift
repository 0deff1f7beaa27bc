import Foundation
import TradewindRuntime

/// Everything the order service reads from its environment, on top of the shared ``RuntimeSettings``.
public struct OrderServiceConfiguration: Sendable {
    public static let defaultPort = 8085

    public var runtime: RuntimeSettings
    /// `WAREHOUSE_LOCATION`: the UN/LOCODE goods ship from.
    public var warehouse: String
    /// This service's own token (`client_credentials`), to call the product and cargo services and deliver events.
    public var machineClient: MachineClientSettings
    /// `<SERVICE>_URL` variables: fixed instances that take precedence over the registry.
    public var staticDiscovery: StaticDiscovery

    public init(runtime: RuntimeSettings, warehouse: String = "CNHKG", machineClient: MachineClientSettings = .init(clientID: "order-service"),
                staticDiscovery: StaticDiscovery = StaticDiscovery([:])) {
        self.runtime = runtime
        self.warehouse = warehouse
        self.machineClient = machineClient
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
            machineClient: try .load(from: environment, serviceName: "order-service"),
            staticDiscovery: StaticDiscovery(environment: environment, services: ["product-service", "cargo-service", "cart-service"])
        )
    }
}
