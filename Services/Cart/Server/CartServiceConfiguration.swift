import Foundation
import TradewindRuntime

/// Everything the cart service reads from its environment, on top of the shared ``RuntimeSettings``.
public struct CartServiceConfiguration: Sendable {
    public static let defaultPort = 8083

    public var runtime: RuntimeSettings
    /// `CART_TTL_HOURS`: carts nobody touched for this long are deleted.
    public var cartLifetime: TimeInterval
    /// `PRODUCT_SERVICE_URL`: fixed product-service instances (else the registry is asked).
    public var staticDiscovery: StaticDiscovery

    public init(runtime: RuntimeSettings, cartLifetime: TimeInterval = 7 * 24 * 3600, staticDiscovery: StaticDiscovery = StaticDiscovery([:])) {
        self.runtime = runtime
        self.cartLifetime = cartLifetime
        self.staticDiscovery = staticDiscovery
    }

    public static func load(from environment: ServiceEnvironment) throws -> CartServiceConfiguration {
        let runtime = try RuntimeSettings.load(
            serviceName: "cart-service", defaultPort: defaultPort, from: environment,
            defaultJWKSURL: "http://127.0.0.1:8081/.well-known/jwks.json"
        )
        return CartServiceConfiguration(
            runtime: runtime,
            cartLifetime: TimeInterval(try environment.int("CART_TTL_HOURS", default: 7 * 24, in: 1...(24 * 365)) * 3600),
            staticDiscovery: StaticDiscovery(environment: environment, services: ["product-service"])
        )
    }
}
