import Foundation
import Hummingbird
import Logging
import RegistryApplication
import RegistryDomain
import RegistryInfrastructure
import RegistryInterface
import ServiceLifecycle
import TradewindKernel
import TradewindRuntime

/// The registry's composition root. The catalog lives in memory: after a restart, instances find out from the
/// 404 on their next heartbeat and register again. The key/value store is kept in the registry's database
/// (`DATABASE_URL`; SQLite under `.tradewind/` by default), so a restart loses no key.
public enum RegistryService {
    public static let defaultPort = 8500

    public struct Configuration: Sendable {
        public var runtime: RuntimeSettings
        /// The secret every registry token is derived from (see ``RegistryCredential``).
        public var secret: String
        public var datacenter: String
        public var sweepInterval: Duration

        public init(runtime: RuntimeSettings, secret: String, datacenter: String = "dc1", sweepInterval: Duration = .milliseconds(250)) {
            self.runtime = runtime
            self.secret = secret
            self.datacenter = datacenter
            self.sweepInterval = sweepInterval
        }

        /// `REGISTRY_SECRET` (or, for local runs, one made once in `.tradewind/registry.secret`) and
        /// `REGISTRY_DATACENTER` (default `dc1`, Consul's).
        public static func load(from environment: ServiceEnvironment) throws -> Configuration {
            if environment.string("REGISTRY_TOKEN") != nil {
                throw ConfigurationError(
                    variable: "REGISTRY_TOKEN",
                    reason: "is no longer read by the registry: give it REGISTRY_SECRET and each service its own token (`tradewind registry-token <service>`, see Services/Registry/README.md)"
                )
            }
            var runtime = try RuntimeSettings.load(serviceName: "registry", defaultPort: defaultPort, from: environment, defaultJWKSURL: nil)
            runtime.registryURL = nil
            let datacenter = environment.string("REGISTRY_DATACENTER", default: "dc1")
            guard !datacenter.isEmpty, datacenter.utf8.count <= 64, datacenter.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw ConfigurationError(variable: "REGISTRY_DATACENTER", reason: "must be 1 to 64 letters, digits, '-' or '_'")
            }
            if let secret = try environment.secret("REGISTRY_SECRET", minimumLength: RegistryCredential.minimumSecretLength) {
                return Configuration(runtime: runtime, secret: secret, datacenter: datacenter)
            }
            return Configuration(runtime: runtime, secret: try LocalRegistrySecret.loadOrCreate(), datacenter: datacenter)
        }
    }

    /// Reads the process environment and runs until SIGTERM/SIGINT.
    public static func main(environment: ServiceEnvironment = .process()) async {
        await ServiceHost.main(
            "registry", load: { try Configuration.load(from: environment) }, settings: \.runtime,
            build: { configuration, logger in try await buildApplication(configuration, logger: logger) }
        )
    }

    public static func buildApplication(
        _ configuration: Configuration, clock: any WallClock = SystemWallClock(), prober: (any HealthProber)? = nil, logger: Logger
    ) async throws -> some ApplicationProtocol {
        let registry = ServiceRegistry(clock: clock, onEvent: { CatalogLog.write($0, to: logger) })
        let store = try await DatabaseConnector.open(configuration.runtime.database, logger: logger)
        // Settings of a known form are checked when written (CONFIGURATION.md): a value no service could use is refused.
        let keyValues = KeyValueStore(repository: SQLKeyValueRepository(store: store), valueProblem: SettingCatalog.problem(key:value:))
        // The registry verifies no JWTs: reads are open and changes carry registry tokens.
        let verifier = AccessTokenVerifier(
            keys: LocalKeySource(await .ecdsa([])), issuer: configuration.runtime.tokenIssuer, audience: configuration.runtime.tokenAudience
        )
        let settings = RegistryRoutes.Settings(
            datacenter: configuration.datacenter, secret: configuration.secret,
            selfAddress: "\(configuration.runtime.advertisedAddress):\(configuration.runtime.port)"
        )
        let router = try ServiceHost.makeRouter(.init(
            problemMapping: RegistryRoutes.problems, verifier: verifier, accessPolicy: RegistryRoutes.accessPolicy,
            // Bodies are read by the routes, whatever their Content-Type, as Consul does.
            readiness: [.migrations(RegistrySchema.migrator, in: store)], maximumBodyBytes: nil, quietRoutes: RegistryRoutes.quietRoutes
        ), logger: logger) { router in RegistryRoutes.register(registry, keyValues: keyValues, settings: settings, on: router) }
        let networkProber = prober == nil ? NetworkHealthProber() : nil
        return ServiceHost.makeApplication(
            router: router, settings: configuration.runtime,
            services: [
                store,
                Sweeper(registry: registry, interval: configuration.sweepInterval),
                Checks(runner: HealthCheckRunner(registry: registry, prober: prober ?? networkProber!), networkProber: networkProber),
            ],
            logger: logger, beforeStart: { try await RegistrySchema.migrator.migrate(store, logger: logger) }
        )
    }

    /// Expires missed TTLs several times a second until shutdown.
    struct Sweeper: Service {
        let registry: ServiceRegistry
        let interval: Duration

        func run() async throws {
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                await registry.sweep()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Runs HTTP and TCP checks until shutdown.
    struct Checks: Service {
        let runner: HealthCheckRunner
        let networkProber: NetworkHealthProber?

        func run() async throws {
            await cancelWhenGracefulShutdown { await runner.run() }
            try? await networkProber?.shutdown()
        }
    }
}
