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
    /// `STOREFRONT_ORIGIN`: the browser origins allowed to call the API from another host (CORS); none by default.
    public var storefrontOrigins: [String]
    /// `<SERVICE>_URL` variables: fixed instances that take precedence over the registry (Kubernetes Services).
    public var staticDiscovery: StaticDiscovery
    /// `UPSTREAM_CONNECTIONS`: kept-alive connections per upstream instance.
    public var connectionsPerInstance: Int

    public init(
        runtime: RuntimeSettings, routes: RouteTable, storefrontOrigins: [String] = [], staticDiscovery: StaticDiscovery = StaticDiscovery([:]),
        connectionsPerInstance: Int = 64
    ) {
        self.connectionsPerInstance = connectionsPerInstance
        self.runtime = runtime
        self.routes = routes
        self.storefrontOrigins = storefrontOrigins
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
        guard let origins = SettingCatalog.origins(environment.string("STOREFRONT_ORIGIN", default: "")) else {
            throw ConfigurationError(variable: "STOREFRONT_ORIGIN", reason: "must be browser origins (https://shop.example.com[:port]), separated by commas")
        }
        return GatewayConfiguration(
            runtime: runtime, routes: routes, storefrontOrigins: origins,
            staticDiscovery: StaticDiscovery(environment: environment, services: routes.services),
            connectionsPerInstance: try environment.int("UPSTREAM_CONNECTIONS", default: 64, in: 1...4096)
        )
    }
}
