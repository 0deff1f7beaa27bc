import CargoApplication
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
        guard let keySource = keys ?? runtime.jwksURL.map({ RemoteJWKS(url: $0, logger: logger) }) else {
            throw ConfigurationError(variable: "JWKS_URL", reason: "the cargo service needs the token issuer's JWKS URL")
        }
        let store = try await DatabaseConnector.open(runtime.database, logger: logger)
        let cargos = SQLCargoRepository(store: store, ids: ids)
        let locations = SQLLocationRepository(store: store), voyages = SQLVoyageRepository(store: store)
        let api = CargoAPI(
            booking: Booking(cargos: cargos, locations: locations, voyages: voyages, routing: GraphRoutingService(voyages: voyages), clock: clock, ids: ids),
            handling: Handling(cargos: cargos, locations: locations, voyages: voyages, clock: clock),
            tracking: Tracking(cargos: cargos, locations: locations, voyages: voyages)
        )
        // The order context follows its freight; deliveries carry this service's own token.
        let (discovery, watchers) = runtime.discovery(fixed: configuration.staticDiscovery, logger: logger)
        let services: [any Service] = [store] + watchers
        let tokens = configuration.machineClient.tokenProvider()
        let subscribers = ["CargoHandled", "CargoMisdirected"].reduce(into: [String: [String]]()) { $0[$1] = ["order-service"] }
        let relay = OutboxRelay(store: store, publisher: HTTPEventPublisher(
            subscriptions: subscribers, client: ServiceClient(discovery: discovery, tokens: tokens, logger: logger)
        ), logger: logger)
        let verifier = AccessTokenVerifier(keys: keySource, issuer: runtime.tokenIssuer, audience: runtime.tokenAudience, clock: clock)
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: CargoProblems.map, verifier: verifier, accessPolicy: CargoRoutes.accessPolicy.adding(OutboxAdminRoutes.accessRules),
            readiness: readinessChecks(store), maximumBodyBytes: runtime.maximumBodyBytes, trustedProxies: runtime.trustedProxies,
            additionalMediaTypes: ["text/csv"]
        )) { router in
            try CargoRoutes.register(api, on: router)
            OutboxAdminRoutes.register(on: router, store: store)
        }
        let network = SampleNetwork(locations: locations, voyages: voyages)
        return ServiceHost.makeApplication(
            router: router, settings: runtime, services: services, workers: [relay], logger: logger,
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

    static func readinessChecks(_ store: any SQLStore) -> [ReadinessCheck] {
        [
            ReadinessCheck("migrations") {
                guard let applied = try? await CargoSchema.migrator.appliedVersion(store) else { return "database unreachable" }
                return applied == CargoSchema.migrator.latestVersion ? nil : "schema at version \(applied) of \(CargoSchema.migrator.latestVersion)"
            },
        ]
    }
}
