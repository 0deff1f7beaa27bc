import Foundation
import TradewindRuntime

/// Everything the storefront reads from its environment, on top of the shared ``RuntimeSettings``.
public struct StorefrontConfiguration: Sendable {
    public static let defaultPort = 8070

    public var runtime: RuntimeSettings
    /// `PRODUCT_SERVICE_URL`, …: fixed instances of the contexts it calls (else the registry is asked).
    public var staticDiscovery: StaticDiscovery
    /// `STOREFRONT_SECURE_COOKIES`: mark the session cookie `Secure`, for a shop served over HTTPS (the gateway
    /// speaks plain HTTP, so TLS ends in front of it and the storefront cannot tell by itself).
    public var secureCookies: Bool

    public init(runtime: RuntimeSettings, staticDiscovery: StaticDiscovery = StaticDiscovery([:]), secureCookies: Bool = false) {
        self.runtime = runtime
        self.staticDiscovery = staticDiscovery
        self.secureCookies = secureCookies
    }

    public static func load(from environment: ServiceEnvironment) throws -> StorefrontConfiguration {
        let runtime = try RuntimeSettings.load(
            serviceName: "storefront", defaultPort: defaultPort, from: environment,
            defaultJWKSURL: "http://127.0.0.1:8081/.well-known/jwks.json"
        )
        return StorefrontConfiguration(
            runtime: runtime, staticDiscovery: StaticDiscovery(environment: environment, services: ["product-service", "user-service", "cart-service", "order-service", "cargo-service"]),
            secureCookies: try environment.bool("STOREFRONT_SECURE_COOKIES", default: false)
        )
    }
}
