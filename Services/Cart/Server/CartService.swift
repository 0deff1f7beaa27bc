import CartApplication
import CartContracts
import CartDomain
import CartInfrastructure
import CartInterface
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TradewindKernel
import TradewindRuntime

/// The composition root of the cart service: configuration → wiring (the product catalog through the runtime's
/// service client, its answers kept for `CATALOG_MAX_AGE_MILLISECONDS`, or a catalog a test passes) → a runnable
/// application.
public enum CartService {
    public static func main(environment: ServiceEnvironment = .process()) async {
        await ServiceHost.main(
            "cart-service", load: { try CartServiceConfiguration.load(from: environment) }, settings: \.runtime,
            build: { configuration, logger in try await buildApplication(configuration, logger: logger) }
        )
    }

    public static func buildApplication(
        _ configuration: CartServiceConfiguration, keys: (any VerificationKeySource)? = nil, catalog: (any ProductCatalog)? = nil,
        clock: any WallClock = SystemWallClock(), logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let runtime = configuration.runtime
        logger.info("starting", metadata: ["port": "\(runtime.port)", "database": "\(runtime.database)"])
        let verifier = try runtime.accessTokenVerifier(keys: keys, clock: clock, logger: logger)
        var services: [any Service] = []
        let resolvedCatalog: any ProductCatalog
        if let catalog {
            resolvedCatalog = catalog
        } else {
            let (discovery, watchers) = runtime.discovery(fixed: configuration.staticDiscovery, logger: logger)
            services += watchers
            resolvedCatalog = RecentCatalogAnswers(ProductCatalogClient(client: ServiceClient(discovery: discovery, logger: logger)),
                                                   maximumAge: configuration.catalogAnswerMaximumAge, clock: clock)
        }
        let store = try await DatabaseConnector.open(runtime.database, logger: logger)
        services.insert(store, at: 0)
        let carts = SQLCartRepository(store: store)
        let access = CartAccess(
            carts: carts, catalog: resolvedCatalog, tokens: RandomCartTokens(), clock: clock,
            ids: RandomIdentifierGenerator(), lifetime: configuration.cartLifetime
        )
        let api = CartAPI(useCases: .init(
            open: OpenGuestCart(access: access), view: ViewCart(access: access), add: AddItem(access: access),
            changeQuantity: ChangeQuantity(access: access), remove: RemoveItem(access: access), clear: ClearCart(access: access),
            merge: MergeGuestCart(access: access), viewOfUsers: ViewCartsOfUsers(access: access), access: access
        ))
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: CartProblems.map, verifier: verifier, accessPolicy: CartRoutes.accessPolicy,
            readiness: [.migrations(CartSchema.migrator, in: store)], maximumBodyBytes: runtime.maximumBodyBytes,
            trustedProxies: runtime.trustedProxies, publishedContract: try CartContract.openAPIDocument(),
            events: OrderEventSubscriptions.subscriptions(ClearOrderedCart(carts: carts, clock: clock))
        ), logger: logger) { router in try CartRoutes.register(api, on: router) }
        let expire = ExpireCarts(access: access)
        let cartSweeper = RepeatingWork("cart sweep", every: .seconds(3600), announce: "deleted expired carts", logger: logger) {
            try await expire.execute()
        }
        return ServiceHost.makeApplication(
            router: router, settings: runtime, services: services, workers: [cartSweeper], logger: logger,
            beforeStart: { try await CartSchema.migrator.migrate(store, logger: logger) }, onRunning: onRunning
        )
    }
}
