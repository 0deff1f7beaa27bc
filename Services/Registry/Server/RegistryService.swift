import Foundation
import Hummingbird
import Logging
import RegistryApplication
import RegistryInterface
import ServiceLifecycle
import TradewindKernel
import TradewindRuntime

/// The registry's composition root. The catalog lives in memory: after a restart, instances find out from the
/// 404 on their next heartbeat and register again.
public enum RegistryService {
    public static let defaultPort = 8500

    public struct Configuration: Sendable {
        public var runtime: RuntimeSettings
        /// The shared secret that writes need.
        public var token: String
        public var sweepInterval: Duration

        public init(runtime: RuntimeSettings, token: String, sweepInterval: Duration = .milliseconds(250)) {
            self.runtime = runtime
            self.token = token
            self.sweepInterval = sweepInterval
        }

        /// `REGISTRY_TOKEN`, or a token generated once and kept in `.tradewind/registry.token` for local runs.
        public static func load(from environment: ServiceEnvironment) throws -> Configuration {
            var runtime = try RuntimeSettings.load(serviceName: "registry", defaultPort: defaultPort, from: environment, defaultJWKSURL: nil)
            runtime.registryURL = nil
            if let token = environment.string("REGISTRY_TOKEN") {
                guard token.utf8.count >= 16 else { throw ConfigurationError(variable: "REGISTRY_TOKEN", reason: "must be at least 16 characters") }
                return Configuration(runtime: runtime, token: token)
            }
            return Configuration(runtime: runtime, token: try LocalRegistryToken.loadOrCreate())
        }
    }

    /// Reads the process environment and runs until SIGTERM/SIGINT.
    public static func main(environment: ServiceEnvironment = .process()) async {
        await ServiceHost.main(
            "registry", load: { try Configuration.load(from: environment) }, settings: \.runtime,
            build: { configuration, logger in try await buildApplication(configuration, logger: logger) }
        )
    }

    public static func buildApplication(_ configuration: Configuration, clock: any WallClock = SystemWallClock(), logger: Logger) async throws -> some ApplicationProtocol {
        let registry = ServiceRegistry(clock: clock)
        // The registry verifies no JWTs: reads are open and writes use the registry token.
        let verifier = AccessTokenVerifier(
            keys: LocalKeySource(await .ecdsa([])), issuer: configuration.runtime.tokenIssuer, audience: configuration.runtime.tokenAudience
        )
        let router = ServiceHost.makeRouter(.init(
            problemMapping: RegistryRoutes.problems, verifier: verifier, accessPolicy: RegistryRoutes.accessPolicy,
            readiness: [], maximumBodyBytes: 64 * 1024
        )) { router in RegistryRoutes.register(registry, token: configuration.token, on: router) }
        return ServiceHost.makeApplication(
            router: router, settings: configuration.runtime, services: [Sweeper(registry: registry, interval: configuration.sweepInterval)],
            logger: logger, beforeStart: {}
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
}
