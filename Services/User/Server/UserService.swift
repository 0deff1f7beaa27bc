import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TradewindKernel
import TradewindRuntime
import UserApplication
import UserContracts
import UserDomain
import UserInfrastructure
import UserInterface

/// The composition root of the user service: configuration → wiring → a runnable application.
public enum UserService {
    /// Reads the process environment and runs until SIGTERM/SIGINT. A bad setting stops the process with
    /// a message naming the variable.
    public static func main(environment: ServiceEnvironment = .process()) async {
        await ServiceHost.main(
            "user-service", load: { try UserServiceConfiguration.load(from: environment) }, settings: \.runtime,
            build: { configuration, logger in try await buildApplication(configuration, logger: logger) }
        )
    }

    public static func buildApplication(
        _ configuration: UserServiceConfiguration, clock: any WallClock = SystemWallClock(),
        ids: any IdentifierGenerator = RandomIdentifierGenerator(), logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        logger.info("starting", metadata: [
            "port": "\(configuration.runtime.port)", "database": "\(configuration.runtime.database)",
            "issuer": "\(configuration.runtime.tokenIssuer)",
        ])
        let keyRing = try configuration.keys.load()
        let store = try await DatabaseConnector.open(configuration.runtime.database, logger: logger)
        let components: UserComponents
        do {
            components = try await UserComponents(configuration: configuration, store: store, keyRing: keyRing, clock: clock, ids: ids)
        } catch {
            try? await (store as? SQLiteStore)?.close()
            throw error
        }

        let verifier = AccessTokenVerifier(
            keys: LocalKeySource(await keyRing.verificationKeys()), issuer: configuration.runtime.tokenIssuer,
            audience: configuration.runtime.tokenAudience, clock: clock
        )
        let api = UserAPI(useCases: components.useCases, jwksDocument: try keyRing.jwksDocument())
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: UserProblems.map, verifier: verifier, accessPolicy: UserRoutes.accessPolicy,
            readiness: [.migrations(UserSchema.migrator, in: store)], maximumBodyBytes: configuration.runtime.maximumBodyBytes,
            trustedProxies: configuration.runtime.trustedProxies,
            // Services fetch the keys when they first check a token and after a rotation: machine traffic, like discovery.
            quietRoutes: ["GET /.well-known/jwks.json"], publishedContract: try UserContract.openAPIDocument()
        ), logger: logger) { router in try UserRoutes.register(api, on: router) }

        return ServiceHost.makeApplication(
            router: router, settings: configuration.runtime, services: [store], logger: logger,
            beforeStart: {
                try await UserSchema.migrator.migrate(store, logger: logger)
                try await components.bootstrap(configuration, logger: logger)
            },
            onRunning: onRunning
        )
    }
}
