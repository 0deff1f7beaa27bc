import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import StorefrontApplication
import StorefrontDomain
import StorefrontInfrastructure
import StorefrontInterface
import TradewindKernel
import TradewindRuntime

/// The composition root of the storefront, the backend for the shop's web pages: it keeps no data of its own and
/// reaches the other contexts through their published clients.
public enum StorefrontService {
    public static func main(environment: ServiceEnvironment = .process()) async {
        await ServiceHost.main(
            "storefront", load: { try StorefrontConfiguration.load(from: environment) }, settings: \.runtime,
            build: { configuration, logger in try await buildApplication(configuration, logger: logger) }
        )
    }

    /// `catalog` defaults to the product context's client; tests pass their own.
    public static func buildApplication(
        _ configuration: StorefrontConfiguration, keys: (any VerificationKeySource)? = nil, catalog: (any Catalog)? = nil,
        logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let runtime = configuration.runtime
        logger.info("starting", metadata: ["port": "\(runtime.port)"])
        let verifier = try runtime.accessTokenVerifier(keys: keys, clock: SystemWallClock(), logger: logger)
        var services: [any Service] = []
        let resolvedCatalog: any Catalog
        if let catalog {
            resolvedCatalog = catalog
        } else {
            let (discovery, watchers) = runtime.discovery(fixed: configuration.staticDiscovery, logger: logger)
            services += watchers
            // No token of its own: the shop window is what anyone may see.
            resolvedCatalog = ProductCatalogClient(client: ServiceClient(discovery: discovery, logger: logger))
        }
        let renderer = try await PageRenderer.bundled()
        let stylesheet = try StorefrontAssets.stylesheet()
        let useCases = StorefrontPages.UseCases(browse: BrowseCatalog(catalog: resolvedCatalog), viewProduct: ViewProduct(catalog: resolvedCatalog))
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: { _ in nil }, verifier: verifier, accessPolicy: StorefrontPages.accessPolicy,
            readiness: [], maximumBodyBytes: runtime.maximumBodyBytes, trustedProxies: runtime.trustedProxies
        ), logger: logger) { router in StorefrontPages.register(useCases, renderer: renderer, stylesheet: stylesheet, on: router) }
        return ServiceHost.makeApplication(
            router: router, settings: runtime, services: services, logger: logger, beforeStart: {}, onRunning: onRunning
        )
    }
}
