import Foundation
import GatewayDomain
import GatewayInfrastructure
import TradewindRuntime

/// Everything the gateway reads from its environment, on top of the shared ``RuntimeSettings``.
public struct GatewayConfiguration: Sendable {
    public static let defaultPort = 8080
    public static let defaultRoutesFile = "Services/Gateway/routes.json"

    public var runtime: RuntimeSettings
    public var routes: RouteTable
    /// `STOREFRONT_ORIGIN`: the browser origin allowed to call the API from another host (CORS); none by default.
    public var storefrontOrigin: String?
    /// `<SERVICE>_URL` variables: fixed instances that take precedence over the registry (Kubernetes Services).
    public var staticDiscovery: StaticDiscovery
    /// `UPSTREAM_CONNECTIONS`: kept-alive connections per upstream instance.
    public var connectionsPerInstance: Int

    public init(
        runtime: RuntimeSettings, routes: RouteTable, storefrontOrigin: String? = nil, staticDiscovery: StaticDiscovery = StaticDiscovery([:]),
        connectionsPerInstance: Int = 64
    ) {
        self.connectionsPerInstance = connectionsPerInstance
        self.runtime = runtime
        self.routes = routes
        self.storefrontOrigin = storefrontOrigin
        self.staticDiscovery = staticDiscovery
    }

    /// `GATEWAY_ROUTES_FILE` (default `Services/Gateway/routes.json`, relative to the working directory),
    /// `STOREFRONT_ORIGIN`, `JWKS_URL` (default the local user service), and the shared settings.
    public static func load(from environment: ServiceEnvironment) throws -> GatewayConfiguration {
        let runtime = try RuntimeSettings.load(
            serviceName: "gateway", defaultPort: defaultPort, from: environment,
            defaultJWKSURL: "http://127.0.0.1:8081/.well-known/jwks.json", registryRole: .readsSettings
        )
        let file = environment.string("GATEWAY_ROUTES_FILE", default: defaultRoutesFile)
        let routes: RouteTable
        do {
            routes = try RouteTableFile.load(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConfigurationError(variable: "GATEWAY_ROUTES_FILE", reason: "\(file): \(error)")
        }
        let origin = try environment.url("STOREFRONT_ORIGIN", default: nil).map { $0.absoluteString }
        return GatewayConfiguration(
            runtime: runtime, routes: routes, storefrontOrigin: origin,
            staticDiscovery: StaticDiscovery(environment: environment, services: routes.services),
            connectionsPerInstance: try environment.int("UPSTREAM_CONNECTIONS", default: 64, in: 1...4096)
        )
    }
}
