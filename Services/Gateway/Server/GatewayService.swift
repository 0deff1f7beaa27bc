import Foundation
import GatewayApplication
import GatewayDomain
import GatewayInfrastructure
import GatewayInterface
import Hummingbird
import Logging
import ServiceLifecycle
import TradewindRuntime

/// The gateway's composition root: route table, edge token verification from the user service's JWKS,
/// discovery (static URLs first, then the registry), and the proxy in every connection's pipeline.
public enum GatewayService {
    public static func main(environment: ServiceEnvironment = .process()) async {
        await ServiceHost.main(
            "gateway", load: { try GatewayConfiguration.load(from: environment) }, settings: \.runtime,
            build: { configuration, logger, live in try await buildApplication(configuration, liveSettings: live, logger: logger) }
        )
    }

    /// `keys` and `discovery` default to the JWKS URL and static URLs + registry of the configuration; tests pass
    /// their own. With `liveSettings`, the route table follows the gateway's settings (``LiveRouteSettings``) while
    /// it runs.
    public static func buildApplication(
        _ configuration: GatewayConfiguration, keys: (any VerificationKeySource)? = nil, discovery: (any ServiceDiscovery)? = nil,
        clientConfiguration: ServiceClient.Configuration = .init(), liveSettings: LiveSettings? = nil, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let runtime = configuration.runtime
        logger.info("starting", metadata: [
            "port": "\(runtime.port)", "routes": "\(configuration.routes.routes.count)",
            "services": "\(configuration.routes.services.joined(separator: ","))",
        ])
        var services: [any Service] = []
        let resolvedDiscovery: any ServiceDiscovery
        if let discovery {
            resolvedDiscovery = discovery
        } else {
            (resolvedDiscovery, services) = runtime.discovery(fixed: configuration.staticDiscovery, logger: logger)
        }
        guard let keySource = keys ?? runtime.jwksURL.map({ RemoteJWKS(url: $0, logger: logger) }) else {
            throw ConfigurationError(variable: "JWKS_URL", reason: "the gateway needs the token issuer's JWKS URL")
        }
        let verifier = AccessTokenVerifier(keys: keySource, issuer: runtime.tokenIssuer, audience: runtime.tokenAudience)
        let selector = InstanceSelector(retry: clientConfiguration.retry, breaker: clientConfiguration.breaker, balancing: clientConfiguration.balancing)
        let routing = GatewayRouting(table: configuration.routes, corsOrigins: Set(configuration.storefrontOrigins))
        if let liveSettings {
            let watcher = SettingsWatcher(settings: liveSettings) { lookUp in
                LiveRoutes.apply(lookUp, fileTable: configuration.routes, to: routing, logger: logger)
                LiveOrigins.apply(lookUp, started: configuration.storefrontOrigins, to: routing, logger: logger)
            }
            watcher.applyCurrent()
            services.append(watcher)
        }
        let proxy = GatewayProxy(
            routing: routing, verifier: verifier, discovery: resolvedDiscovery, selector: selector,
            trustedProxies: runtime.trustedProxies,
            settings: .init(
                connectionsPerInstance: configuration.connectionsPerInstance, defaultTimeout: clientConfiguration.defaultTimeout
            ),
            logger: logger
        )
        services.append(UpstreamConnections(proxy: proxy))
        let admin = GatewayAdmin(routing: routing, discovery: resolvedDiscovery, selector: selector)

        // CORS is the proxy's (for /api/, with the origins of the moment); the gateway's own pages are not for pages
        // of other origins.
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: { _ in nil }, verifier: verifier, accessPolicy: GatewayRoutes.accessPolicy,
            readiness: [], maximumBodyBytes: nil, trustedProxies: runtime.trustedProxies,
            refreshMetrics: { await admin.recordUpstreamHealth() }
        ), logger: logger) { router in GatewayRoutes.register(admin: admin, on: router) }

        return ServiceHost.makeApplication(
            router: router, settings: runtime, services: services, registers: false,
            server: GatewayServerChannel.builder(timeouts: runtime.timeouts, handlers: { [proxy.makeHandler()] }), logger: logger, beforeStart: {}, onRunning: onRunning
        )
    }
}

/// Puts the route table the gateway's settings give in force, or keeps the last good one with a warning.
enum LiveRoutes {
    static func apply(_ lookUp: (String) -> String?, fileTable: RouteTable, to routing: GatewayRouting, logger: Logger) {
        let table: RouteTable
        do {
            table = try LiveRouteSettings.table(over: fileTable, lookUp: lookUp)
        } catch {
            logger.warning("the gateway's route settings are not valid; keeping the routes in force", metadata: ["problem": "\(error)"])
            return
        }
        if routing.replace(with: table) {
            logger.notice("routes changed", metadata: ["routes": "\(table.routes.count)", "services": "\(table.services.joined(separator: ","))"])
        }
    }
}

/// Allows the browser origins of `storefront.origin` (`STOREFRONT_ORIGIN`), or with a warning keeps the last good ones.
enum LiveOrigins {
    static func apply(_ lookUp: (String) -> String?, started: [String], to routing: GatewayRouting, logger: Logger) {
        let origins: [String]
        if let value = lookUp(SettingCatalog.storefrontOriginSetting) {
            guard let parsed = SettingCatalog.origins(value) else {
                logger.warning("storefront.origin is not a list of browser origins; keeping the allowed ones", metadata: ["value": "\(value.prefix(200))"])
                return
            }
            origins = parsed
        } else {
            origins = started
        }
        if routing.allow(origins: Set(origins)) {
            logger.notice("allowed browser origins changed", metadata: ["origins": "\(origins.joined(separator: ","))"])
        }
    }
}
