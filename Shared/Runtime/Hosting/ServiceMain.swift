import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import UnixSignals

extension ServiceHost {
    /// The entry point every service executable shares: load the configuration (a bad setting stops the process
    /// with exit code 78 and a message naming the variable), install tracing when it is configured, build the
    /// application, run it until SIGTERM/SIGINT (only SIGTERM under `tradewind up`, which stops its services itself).
    ///
    /// `--health-check` instead asks the running instance's `/health/ready` on `PORT` and exits 0 when it is
    /// ready, 1 otherwise: the container health check, with no HTTP client in the image.
    public static func main<Configuration: Sendable, App: ApplicationProtocol>(
        _ name: String,
        load: () throws -> Configuration,
        settings: (Configuration) -> RuntimeSettings,
        build: (Configuration, Logger) async throws -> App
    ) async -> Never {
        await main(name, load: load, settings: settings) { configuration, logger, _ in try await build(configuration, logger) }
    }

    /// The same, for a service that follows settings of its own without a restart: `build` gets the reader of
    /// ``LiveSettings`` (the environment over the registry's key/value store).
    public static func main<Configuration: Sendable, App: ApplicationProtocol>(
        _ name: String,
        load: () throws -> Configuration,
        settings: (Configuration) -> RuntimeSettings,
        build: (Configuration, Logger, LiveSettings) async throws -> App
    ) async -> Never {
        // Tasks run on the event loops that serve the sockets, so a request's handler, its database and HTTP
        // calls and its response no longer hop between NIO's threads and the concurrency pool's, each hop a thread
        // wake-up that waits for a core on a busy machine: at 100 orders/s on a loaded day the stack kept up in six
        // runs of six instead of one (Benchmarks/README.md, eighth round). Nothing here blocks a thread: bcrypt and
        // SQLite run on NIO's thread pool.
        _ = EventLoopTasks.install()
        let configuration: Configuration
        do {
            configuration = try load()
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(78)  // EX_CONFIG
        }
        let runtime = settings(configuration)
        if CommandLine.arguments.dropFirst().contains("--health-check") {
            exit(await isReady(port: runtime.port) ? 0 : 1)
        }
        let tracing: (any Service)?
        do {
            tracing = try TracingSetup.bootstrap(serviceName: runtime.serviceName)
        } catch {
            FileHandle.standardError.write(Data("\(name): OTEL_* settings: \(error)\n".utf8))
            exit(78)
        }
        let logger = makeLogger(runtime)
        if await EventLoopTasks.areInEffect() {
            logger.info("tasks run on the event loops", metadata: ["loops": "\(NIOSingletons.groupLoopCountSuggestion)"])
        } else {
            logger.warning("tasks run on Swift's default executor, not the event loops: every await may cost a thread hop")
        }
        let live: LiveSettings
        do {
            live = try await LiveSettings.start(runtime: runtime, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(78)
        }
        // Held until the process exits: a start that fails (a port already in use) must end with the message
        // below, not in the teardown of resources that only a clean shutdown closes.
        var application: App?
        do {
            let app = try await build(configuration, logger, live)
            application = app
            // Services stop in reverse order: the span exporter goes last, after the last request's spans.
            let services: [any Service] = (tracing.map { [$0] } ?? []) + live.services + [app]
            var configurations = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
            var stopSignals: [UnixSignal] = [.sigterm, .sigint]
            if let lifeline = SupervisorLifeline.fromEnvironment(logger: logger) {
                configurations.append(.init(service: lifeline, successTerminationBehavior: .gracefullyShutdownGroup))
                // A terminal's Ctrl-C reaches every process of `tradewind up`; the supervisor alone answers it,
                // stopping its services in order (the registry last), each with SIGTERM.
                signal(SIGINT, SIG_IGN)
                stopSignals = [.sigterm]
            }
            let group = ServiceGroup(configuration: .init(services: configurations, gracefulShutdownSignals: stopSignals, logger: logger))
            try await group.run()
            exit(0)
        } catch {
            logger.critical("\(name) stopped", metadata: ["error": "\(error)"])
            withExtendedLifetime(application) { exit(1) }
        }
    }

    private static func isReady(port: Int) async -> Bool {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health/ready")
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(3)) else { return false }
        return response.status == .ok
    }
}
