import Foundation
import TradewindRuntime

/// Everything the storefront reads from its environment, on top of the shared ``RuntimeSettings``.
public struct StorefrontConfiguration: Sendable {
    public static let defaultPort = 8070

    public var runtime: RuntimeSettings
    /// `PRODUCT_SERVICE_URL`, …: fixed instances of the contexts it calls (else the registry is asked).
    public var staticDiscovery: StaticDiscovery

    public init(runtime: RuntimeSettings, staticDiscovery: StaticDiscovery = StaticDiscovery([:])) {
        self.runtime = runtime
        self.staticDiscovery = staticDiscovery
    }

    public static func load(from environment: ServiceEnvironment) throws -> StorefrontConfiguration {
        let runtime = try RuntimeSettings.load(
            serviceName: "storefront", defaultPort: defaultPort, from: environment,
            defaultJWKSURL: "http://127.0.0.1:8081/.well-known/jwks.json"
        )
        return StorefrontConfiguration(runtime: runtime, staticDiscovery: StaticDiscovery(environment: environment, services: ["product-service"]))
    }
}
