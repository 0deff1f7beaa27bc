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
    /// `CATALOG_MAX_AGE_MILLISECONDS`: how long the catalog's answer about a product is used before it is asked
    /// again; zero asks for every cart shown.
    public var catalogAnswerMaximumAge: TimeInterval

    public init(runtime: RuntimeSettings, cartLifetime: TimeInterval = 7 * 24 * 3600, staticDiscovery: StaticDiscovery = StaticDiscovery([:]),
                catalogAnswerMaximumAge: TimeInterval = 1) {
        self.runtime = runtime
        self.cartLifetime = cartLifetime
        self.staticDiscovery = staticDiscovery
        self.catalogAnswerMaximumAge = catalogAnswerMaximumAge
    }

    public static func load(from environment: ServiceEnvironment) throws -> CartServiceConfiguration {
        let runtime = try RuntimeSettings.load(
            serviceName: "cart-service", defaultPort: defaultPort, from: environment,
            defaultJWKSURL: "http://127.0.0.1:8081/.well-known/jwks.json"
        )
        return CartServiceConfiguration(
            runtime: runtime,
            cartLifetime: TimeInterval(try environment.int("CART_TTL_HOURS", default: 7 * 24, in: 1...(24 * 365)) * 3600),
            staticDiscovery: StaticDiscovery(environment: environment, services: ["product-service"]),
            catalogAnswerMaximumAge: TimeInterval(try environment.int("CATALOG_MAX_AGE_MILLISECONDS", default: 1000, in: 0...60_000)) / 1000
        )
    }
}
