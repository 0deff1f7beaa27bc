import Configuration
import Foundation
import Logging
import ServiceLifecycle

/// The settings a running service takes from the registry without a restart (see CONFIGURATION.md), on top of its
/// environment: a reader over the environment first (a variable that is set wins, and is not watched) and the
/// registry's key/value store second.
public struct LiveSettings: Sendable {
    public let reader: ConfigReader
    /// The source's blocking reads and the watchers, for the service group.
    public let services: [any Service]

    /// `TRADEWIND_ENVIRONMENT` (default `development`) names the settings' folder. Without a registry, or without
    /// this service's registry token to read its folder, the reader is the environment alone.
    public static func start(runtime: RuntimeSettings, environment: ServiceEnvironment = .process(), logger: Logger) -> LiveSettings {
        // An empty variable counts as unset, as ServiceEnvironment reads it.
        let variables = EnvironmentVariablesProvider(environmentVariables: ProcessInfo.processInfo.environment.filter { !$0.value.isEmpty })
        guard let registryURL = runtime.registryURL, let token = runtime.registryToken else {
            return LiveSettings(reader: ConfigReader(provider: variables), services: [])
        }
        let folder = environment.string("TRADEWIND_ENVIRONMENT", default: ConfigurationKeys.defaultEnvironment)
        let source = RegistrySettingsSource(registryURL: registryURL, token: token, service: runtime.serviceName, environment: folder, logger: logger)
        let reader = ConfigReader(providers: [variables, source.provider])
        return LiveSettings(reader: reader, services: [source, LogLevelWatcher(reader: reader, initial: runtime.logLevel, logger: logger)])
    }
}

/// Follows `log.level`: a valid level applies to every logger of the process at once; a value that is not a level
/// is ignored with a warning, keeping the last good one; a removed setting goes back to the level the process
/// started with.
public struct LogLevelWatcher: Service {
    let reader: ConfigReader
    let initial: Logger.Level
    let logger: Logger

    public init(reader: ConfigReader, initial: Logger.Level, logger: Logger) {
        self.reader = reader
        self.initial = initial
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await reader.watchString(forKey: ConfigKey(["log", "level"])) { updates in
                for await value in updates { apply(value) }
            }
        }
    }

    func apply(_ value: String?) {
        guard let value else {
            if LiveLogLevel.current != initial {
                LiveLogLevel.set(initial)
                logger.notice("log level back to the start's", metadata: ["level": "\(initial)"])
            }
            return
        }
        guard let level = Logger.Level(rawValue: value.trimmingCharacters(in: .whitespaces).lowercased()) else {
            logger.warning("log.level is not a level; keeping the last one", metadata: [
                "value": "\(value.prefix(64))", "level": "\(LiveLogLevel.current)",
                "levels": "\(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))",
            ])
            return
        }
        guard level != LiveLogLevel.current else { return }
        LiveLogLevel.set(level)
        // Said at the new level's floor or above, so that a change is always in the log.
        logger.log(level: max(level, .notice), "log level changed", metadata: ["level": "\(level)"])
    }
}
