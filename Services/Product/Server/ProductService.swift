import Foundation
import Hummingbird
import Logging
import ProductApplication
import ProductContracts
import ProductDomain
import ProductInfrastructure
import ProductInterface
import ServiceLifecycle
import TradewindKernel
import TradewindRuntime

/// The composition root of the product service: configuration → wiring → a runnable application.
public enum ProductService {
    public static func main(environment: ServiceEnvironment = .process()) async {
        await ServiceHost.main(
            "product-service", load: { try ProductServiceConfiguration.load(from: environment) }, settings: \.runtime,
            build: { configuration, logger in try await buildApplication(configuration, logger: logger) }
        )
    }

    /// `keys` defaults to the issuer's JWKS (`JWKS_URL`); tests pass their own.
    public static func buildApplication(
        _ configuration: ProductServiceConfiguration, keys: (any VerificationKeySource)? = nil, clock: any WallClock = SystemWallClock(),
        ids: any IdentifierGenerator = RandomIdentifierGenerator(), logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let runtime = configuration.runtime
        logger.info("starting", metadata: ["port": "\(runtime.port)", "database": "\(runtime.database)"])
        let verifier = try runtime.accessTokenVerifier(keys: keys, clock: clock, logger: logger)
        let store = try await DatabaseConnector.open(runtime.database, logger: logger)
        let categories = SQLCategoryRepository(store: store)
        let products = SQLProductRepository(store: store)
        let inventory = SQLInventoryRepository(store: store)
        let useCases = ProductAPI.UseCases(
            createCategory: CreateCategory(categories: categories, ids: ids),
            updateCategory: UpdateCategory(categories: categories),
            browseCategories: BrowseCategories(categories: categories),
            createProduct: CreateProduct(products: products, categories: categories, clock: clock, ids: ids),
            updateProduct: UpdateProduct(products: products, categories: categories, clock: clock),
            deactivateProduct: DeactivateProduct(products: products, clock: clock),
            browseProducts: BrowseProducts(products: products, categories: categories),
            lookUpProducts: LookUpProducts(products: products),
            getStock: GetStock(inventory: inventory), setStock: SetStock(inventory: inventory),
            reserveStock: ReserveStock(inventory: inventory, products: products, clock: clock),
            getReservation: GetReservation(inventory: inventory),
            releaseReservation: ReleaseReservation(inventory: inventory, clock: clock),
            commitReservation: CommitReservation(inventory: inventory, clock: clock)
        )
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: ProductProblems.map, verifier: verifier, accessPolicy: ProductRoutes.accessPolicy,
            readiness: [.migrations(ProductSchema.migrator, in: store)], maximumBodyBytes: runtime.maximumBodyBytes,
            trustedProxies: runtime.trustedProxies, publishedContract: try ProductContract.openAPIDocument()
        ), logger: logger) { router in try ProductRoutes.register(ProductAPI(useCases: useCases), on: router) }

        let sweeper = RepeatingWork("reservation sweep", every: configuration.reservationSweepInterval, announce: "expired overdue reservations",
                                    logger: logger) { [expire = ExpireReservations(inventory: inventory, clock: clock)] in try await expire.execute() }
        let seeder = SampleCatalog(categories: categories, products: products, inventory: inventory, clock: clock, ids: ids)
        return ServiceHost.makeApplication(
            router: router, settings: runtime, services: [store], workers: [sweeper], logger: logger,
            beforeStart: {
                try await ProductSchema.migrator.migrate(store, logger: logger)
                if configuration.seedSampleData {
                    let created = try await seeder.seed()
                    if created > 0 { logger.info("seeded the sample catalog", metadata: ["products": "\(created)"]) }
                }
            },
            onRunning: onRunning
        )
    }
}
