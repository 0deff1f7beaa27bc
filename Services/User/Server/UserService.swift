import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TradewindKernel
import TradewindRuntime
import UserApplication
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
            readiness: readinessChecks(store), maximumBodyBytes: configuration.runtime.maximumBodyBytes,
            trustedProxies: configuration.runtime.trustedProxies
        )) { router in try UserRoutes.register(api, on: router) }

        return ServiceHost.makeApplication(
            router: router, settings: configuration.runtime, services: [store], logger: logger,
            beforeStart: {
                try await UserSchema.migrator.migrate(store, logger: logger)
                try await components.bootstrap(configuration, logger: logger)
            },
            onRunning: onRunning
        )
    }

    static func readinessChecks(_ store: any SQLStore) -> [ReadinessCheck] {
        [
            ReadinessCheck("database") {
                do {
                    _ = try await UserSchema.migrator.appliedVersion(store)
                    return nil
                } catch {
                    return "database unreachable"
                }
            },
            ReadinessCheck("migrations") {
                let applied = (try? await UserSchema.migrator.appliedVersion(store)) ?? 0
                let latest = UserSchema.migrator.latestVersion
                return applied == latest ? nil : "schema at version \(applied) of \(latest)"
            },
        ]
    }
}
