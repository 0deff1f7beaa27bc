import CargoApplication
import CargoContracts
import CargoDomain
import CargoInfrastructure
import CargoInterface
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TradewindKernel
import TradewindRuntime

/// The composition root of the cargo service: configuration → wiring → a runnable application.
public enum CargoService {
    public static func main(environment: ServiceEnvironment = .process()) async {
        await ServiceHost.main(
            "cargo-service", load: { try CargoServiceConfiguration.load(from: environment) }, settings: \.runtime,
            build: { configuration, logger in try await buildApplication(configuration, logger: logger) }
        )
    }

    public static func buildApplication(
        _ configuration: CargoServiceConfiguration, keys: (any VerificationKeySource)? = nil, clock: any WallClock = SystemWallClock(),
        ids: any IdentifierGenerator = RandomIdentifierGenerator(), logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let runtime = configuration.runtime
        logger.info("starting", metadata: ["port": "\(runtime.port)", "database": "\(runtime.database)"])
        let verifier = try runtime.accessTokenVerifier(keys: keys, clock: clock, logger: logger)
        let store = try await DatabaseConnector.open(runtime.database, logger: logger)
        let cargos = SQLCargoRepository(store: store, ids: ids)
        let locations = SQLLocationRepository(store: store), voyages = SQLVoyageRepository(store: store)
        let routing = GraphRoutingService(voyages: voyages)
        let api = CargoAPI(useCases: .init(
            book: BookCargo(cargos: cargos, locations: locations, routing: routing, clock: clock, ids: ids),
            findRoutes: FindCandidateRoutes(cargos: cargos, routing: routing, clock: clock),
            assignRoute: AssignRoute(cargos: cargos, locations: locations, voyages: voyages, clock: clock),
            changeDestination: ChangeDestination(cargos: cargos, locations: locations, clock: clock),
            reroute: RerouteCargo(cargos: cargos, clock: clock),
            registerHandling: RegisterHandlingEvent(cargos: cargos, locations: locations, voyages: voyages, clock: clock),
            registerBatch: RegisterHandlingBatch(cargos: cargos, locations: locations, voyages: voyages, clock: clock),
            track: TrackCargo(cargos: cargos, locations: locations),
            browse: BrowseNetwork(cargos: cargos, locations: locations, voyages: voyages)
        ))
        // Events go to the services that say they subscribe; deliveries carry this service's own token.
        let (discovery, watchers) = runtime.discovery(fixed: configuration.staticDiscovery, logger: logger)
        let client = ServiceClient(discovery: discovery, tokens: configuration.machineClient.tokenProvider(), logger: logger)
        let subscribers = SubscriberDirectory(publisher: CargoContract.service, store: store, discovery: discovery, client: client, logger: logger)
        let relay = OutboxRelay(store: store, publisher: HTTPEventPublisher(subscribers: subscribers, client: client), logger: logger)
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: CargoProblems.map, verifier: verifier, accessPolicy: CargoRoutes.accessPolicy.adding(OutboxAdminRoutes.accessRules),
            readiness: [.migrations(CargoSchema.migrator, in: store)], maximumBodyBytes: runtime.maximumBodyBytes,
            trustedProxies: runtime.trustedProxies, additionalMediaTypes: ["text/csv"], publishedContract: try CargoContract.openAPIDocument()
        ), logger: logger) { router in
            try CargoRoutes.register(api, on: router)
            OutboxAdminRoutes.register(on: router, store: store)
        }
        let network = SampleNetwork(locations: locations, voyages: voyages)
        return ServiceHost.makeApplication(
            router: router, settings: runtime, services: [store] + watchers, workers: [subscribers, relay], logger: logger,
            beforeStart: {
                try await CargoSchema.migrator.migrate(store, logger: logger)
                if configuration.seedSampleData {
                    let seeded = try await network.seed(now: clock.now())
                    if seeded.locations + seeded.voyages > 0 {
                        logger.info("seeded the sample network", metadata: ["locations": "\(seeded.locations)", "voyages": "\(seeded.voyages)"])
                    }
                }
            },
            onRunning: onRunning
        )
    }
}
