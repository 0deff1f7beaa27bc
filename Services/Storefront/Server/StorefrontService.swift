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

    /// The other contexts, as the storefront reaches them; tests pass their own.
    public struct Contexts: Sendable {
        public var catalog: any Catalog
        public var accounts: any Accounts
        public var carts: any Carts
        public var orders: any Orders
        public var freight: any Freight
        public var operations: any CargoOperations
        public var administration: any CatalogAdministration

        public init(catalog: any Catalog, accounts: any Accounts, carts: any Carts, orders: any Orders, freight: any Freight,
                    operations: any CargoOperations, administration: any CatalogAdministration) {
            self.operations = operations
            self.administration = administration
            self.catalog = catalog
            self.accounts = accounts
            self.carts = carts
            self.orders = orders
            self.freight = freight
        }
    }

    /// `contexts` defaults to the published clients of the product, user, cart, order and cargo contexts.
    public static func buildApplication(
        _ configuration: StorefrontConfiguration, keys: (any VerificationKeySource)? = nil, contexts: Contexts? = nil,
        clock: any WallClock = SystemWallClock(), logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let runtime = configuration.runtime
        logger.info("starting", metadata: ["port": "\(runtime.port)", "database": "\(runtime.database)"])
        let verifier = try runtime.accessTokenVerifier(keys: keys, clock: clock, logger: logger)
        var services: [any Service] = []
        let resolved: Contexts
        if let contexts {
            resolved = contexts
        } else {
            let (discovery, watchers) = runtime.discovery(fixed: configuration.staticDiscovery, logger: logger)
            services += watchers
            // No token of its own: the shop window is what anyone may see, and a shopper's calls carry the
            // shopper's token (a service token would make the cart context take it for a customer).
            let client = ServiceClient(discovery: discovery, logger: logger)
            resolved = Contexts(catalog: ProductCatalogClient(client: client), accounts: UserAccountsClient(client: client, clock: clock),
                                carts: CartServiceClient(client: client), orders: OrderServiceClient(client: client),
                                freight: CargoTrackingClient(client: client), operations: CargoOperationsClient(client: client),
                                administration: ProductAdministrationClient(client: client))
        }
        let store = try await DatabaseConnector.open(runtime.database, logger: logger)
        services.insert(store, at: 0)
        let sessionStore = SQLSessionStore(store: store, now: { clock.now() })
        let sessions = ShopperSessions(driver: sessionStore, secureCookies: configuration.secureCookies, logger: logger)
        let renderer = try await PageRenderer.bundled()
        let stylesheet = try StorefrontAssets.stylesheet()
        let useCases = StorefrontPages.UseCases(
            browse: BrowseCatalog(catalog: resolved.catalog), viewProduct: ViewProduct(catalog: resolved.catalog),
            account: ShopperAccount(accounts: resolved.accounts, carts: resolved.carts, clock: clock), cart: ShopperCart(carts: resolved.carts),
            orders: ShopperOrders(orders: resolved.orders, freight: resolved.freight),
            operations: OperateCargo(operations: resolved.operations, freight: resolved.freight),
            administration: AdministerCatalog(administration: resolved.administration, catalog: resolved.catalog)
        )
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: { _ in nil }, verifier: verifier, accessPolicy: StorefrontPages.accessPolicy,
            readiness: [.migrations(SQLSessionStore.migrator, in: store)], maximumBodyBytes: runtime.maximumBodyBytes,
            trustedProxies: runtime.trustedProxies, additionalMediaTypes: ["multipart/form-data"]
        ), logger: logger) { router in
            StorefrontPages.register(useCases, sessions: sessions, renderer: renderer, stylesheet: stylesheet, on: router)
        }
        let sweep = RepeatingWork("session sweep", every: .seconds(600), announce: "deleted expired shopper sessions", logger: logger) {
            try await sessionStore.deleteExpired(at: clock.now())
        }
        return ServiceHost.makeApplication(
            router: router, settings: runtime, services: services, workers: [sweep], logger: logger,
            beforeStart: { try await SQLSessionStore.migrator.migrate(store, logger: logger) }, onRunning: onRunning
        )
    }
}
