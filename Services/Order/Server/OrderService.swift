import Foundation
import Hummingbird
import Logging
import OrderApplication
import OrderContracts
import OrderDomain
import OrderInfrastructure
import OrderInterface
import ServiceLifecycle
import TradewindKernel
import TradewindRuntime

/// The composition root of the order service: the order store, the checkout worker, the outbox relay, and the
/// other contexts reached through the service client with this service's own token.
public enum OrderService {
    public static func main(environment: ServiceEnvironment = .process()) async {
        await ServiceHost.main(
            "order-service", load: { try OrderServiceConfiguration.load(from: environment) }, settings: \.runtime,
            build: { configuration, logger, live in try await buildApplication(configuration, liveSettings: live, logger: logger) }
        )
    }

    /// The other contexts' ports default to their HTTP clients; tests pass their own.
    public struct Contexts: Sendable {
        public var cart: any CartContents
        public var stock: any StockReservations
        public var freight: any FreightBooking
        public var events: any EventPublisher

        public init(cart: any CartContents, stock: any StockReservations, freight: any FreightBooking, events: any EventPublisher) {
            self.cart = cart
            self.stock = stock
            self.freight = freight
            self.events = events
        }
    }

    public static func buildApplication(
        _ configuration: OrderServiceConfiguration, keys: (any VerificationKeySource)? = nil, contexts: Contexts? = nil,
        clock: any WallClock = SystemWallClock(), ids: any IdentifierGenerator = RandomIdentifierGenerator(), liveSettings: LiveSettings? = nil,
        logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let runtime = configuration.runtime
        logger.info("starting", metadata: ["port": "\(runtime.port)", "database": "\(runtime.database)", "warehouse": "\(configuration.warehouse)"])
        let verifier = try runtime.accessTokenVerifier(keys: keys, clock: clock, logger: logger)
        let store = try await DatabaseConnector.open(runtime.database, logger: logger)
        var services: [any Service] = [store]
        var workers: [any Service] = []
        let resolved: Contexts
        if let contexts {
            resolved = contexts
        } else {
            let (discovery, watchers) = runtime.discovery(fixed: configuration.staticDiscovery, logger: logger)
            services += watchers
            if configuration.machineClient.clientSecret == nil {
                logger.warning("no SERVICE_CLIENT_SECRET: calls to the product and cargo services will be refused")
            }
            let client = ServiceClient(discovery: discovery, tokens: configuration.machineClient.tokenProvider(), logger: logger)
            let subscribers = SubscriberDirectory(publisher: OrderContract.service, store: store, discovery: discovery, client: client, logger: logger)
            workers.append(subscribers)
            resolved = Contexts(
                cart: CartClient(client: client), stock: ProductStockClient(client: client), freight: CargoFreightClient(client: client),
                events: HTTPEventPublisher(subscribers: subscribers, client: client)
            )
        }
        let changes = LocalOrderChanges()
        let orders = SQLOrderRepository(store: store, ids: ids, announcingTo: changes)
        let checkout = RunCheckout(orders: orders, stock: resolved.stock, freight: resolved.freight, clock: clock, warehouse: configuration.warehouse,
                                   observer: TracedCheckout())
        let api = OrderAPI(place: PlaceOrder(orders: orders, cart: resolved.cart, clock: clock, ids: ids), view: ViewOrders(orders: orders, changes: changes),
                           cancel: CancelOrder(orders: orders, clock: clock))
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: OrderProblems.map, verifier: verifier, accessPolicy: OrderRoutes.accessPolicy,
            readiness: [.migrations(OrderSchema.migrator, in: store)], maximumBodyBytes: runtime.maximumBodyBytes,
            trustedProxies: runtime.trustedProxies, publishedContract: try OrderContract.openAPIDocument(),
            events: CargoEventSubscriptions.subscriptions(RecordFreight(orders: orders, clock: clock))
        ), logger: logger) { router in try OrderRoutes.register(api, store: store, on: router) }
        // Replicas take turns, so that two of them never run the same process's step at once; after a restart the
        // checkout picks up every unfinished process.
        // `checkout.hold`: while on, new orders are taken and wait in pending (CONFIGURATION.md).
        let hold = LiveSwitch(
            setting: "checkout.hold", whenOn: "checkout held: new orders wait in pending", whenOff: "checkout resumed: pending orders go on"
        )
        if let liveSettings { workers.append(hold.follow(liveSettings, logger: logger)) }
        let checkoutWorker = RepeatingWork("checkout", every: .milliseconds(100), logger: logger) {
            try await store.exclusively("tradewind-checkout") { try await checkout.advanceDue(startingNew: !hold.isOn) } ?? 0
        }
        workers += [checkoutWorker, OutboxRelay(store: store, publisher: resolved.events, logger: logger)]
        return ServiceHost.makeApplication(
            router: router, settings: runtime, services: services, workers: workers, logger: logger,
            beforeStart: { try await OrderSchema.migrator.migrate(store, logger: logger) }, onRunning: onRunning
        )
    }
}

/// Each advance of a checkout continues the trace of the request that placed the order.
struct TracedCheckout: CheckoutObserver {
    func advancing(_ process: CheckoutProcess, _ advance: () async throws -> Bool) async throws -> Bool {
        try await TraceContext.withSpan("checkout", continuing: process.traceContext,
                                        attributes: ["tradewind.order.id": process.order.description, "tradewind.checkout.step": process.step.rawValue]) {
            try await advance()
        }
    }
}
