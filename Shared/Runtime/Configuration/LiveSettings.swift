import Configuration
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The settings a running service takes without a restart (see CONFIGURATION.md), on top of its environment: a
/// reader over the environment first (a variable that is set wins, and is not watched), then the settings files
/// (`SETTINGS_FILES`: on Kubernetes, a mounted ConfigMap), then the registry's key/value store.
public struct LiveSettings: Sendable {
    public let reader: ConfigReader
    /// The sources' reloads and blocking reads and the watchers, for the service group.
    public let services: [any Service]

    /// How often a settings file is checked for a change (a ConfigMap's files change when the kubelet syncs them).
    static let filePollInterval = Duration.seconds(1)

    /// `SETTINGS_FILES` names JSON files of settings (`{"log.level": "debug"}`), the first one winning: each is
    /// followed with swift-configuration's reloading file provider, and may be missing. `TRADEWIND_ENVIRONMENT`
    /// (default `development`) names the registry folder, which is followed with this service's registry token. The
    /// registry's settings are read once before this returns (for at most two seconds), so that the service starts
    /// with them. A settings file that is not valid JSON at the start is a configuration error.
    public static func start(runtime: RuntimeSettings, environment: ServiceEnvironment = .process(), logger: Logger) async throws -> LiveSettings {
        // An empty variable counts as unset, as ServiceEnvironment reads it.
        let variables = EnvironmentVariablesProvider(environmentVariables: ProcessInfo.processInfo.environment.filter { !$0.value.isEmpty })
        var providers: [any ConfigProvider] = [variables]
        var services: [any Service] = []
        let files = environment.string("SETTINGS_FILES", default: "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for path in files where !path.isEmpty {
            do {
                let options = InMemoryProvider(values: [
                    "filePath": ConfigValue(.string(path), isSecret: false), "allowMissing": ConfigValue(.bool(true), isSecret: false),
                    "pollIntervalSeconds": ConfigValue(.int(Int(filePollInterval.components.seconds)), isSecret: false),
                ])
                let file = try await ReloadingFileProvider<JSONSnapshot>(config: ConfigReader(provider: options), logger: logger)
                providers.append(file)
                services.append(file)
            } catch {
                throw ConfigurationError(variable: "SETTINGS_FILES", reason: "\(path) is not a JSON object of settings: \(error)")
            }
        }
        if let registryURL = runtime.registryURL, let token = runtime.registryToken {
            let folder = environment.string("TRADEWIND_ENVIRONMENT", default: ConfigurationKeys.defaultEnvironment)
            let source = RegistrySettingsSource(registryURL: registryURL, token: token, service: runtime.serviceName, environment: folder, logger: logger)
            await source.loadInitial()
            providers.append(source.provider)
            services.append(source)
        }
        guard providers.count > 1 else { return LiveSettings(reader: ConfigReader(provider: variables), services: []) }
        let reader = ConfigReader(providers: providers)
        let initialLevel = runtime.logLevel
        return LiveSettings(reader: reader, services: services + [
            SettingWatcher(reader: reader, key: LogLevelSetting.key) { LogLevelSetting.apply($0, initial: initialLevel, logger: logger) },
            SettingWatcher(reader: reader, key: MaintenanceMode.key) { MaintenanceMode.apply($0, logger: logger) },
        ])
    }
}

/// Settings held in memory and changed by hand, as the registry would change them: for tests of code that follows
/// settings while it runs.
public final class EditableSettings: Sendable {
    private let provider = MutableInMemoryProvider(name: "edited", initialValues: [:])
    public var settings: LiveSettings { LiveSettings(reader: ConfigReader(provider: provider), services: []) }

    public init() {}

    /// Sets (or with `nil` removes) a setting by its name (`log.level`, `route.orders.timeoutMs`).
    public func set(_ setting: String, to value: String?) {
        guard let key = ConfigurationKeys.configKey(ofSetting: setting) else { preconditionFailure("'\(setting)' is not a setting name") }
        provider.setValue(value.map { ConfigValue(.string($0), isSecret: false) }, forKey: key)
    }
}

/// Follows one setting through the reader: `apply` gets its current value, then every change (`nil`: not set).
public struct SettingWatcher: Service {
    let reader: ConfigReader
    let key: ConfigKey
    let apply: @Sendable (String?) -> Void

    public init(reader: ConfigReader, key: ConfigKey, apply: @escaping @Sendable (String?) -> Void) {
        self.reader = reader
        self.key = key
        self.apply = apply
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await reader.watchString(forKey: key) { updates in
                for await value in updates { apply(value) }
            }
        }
    }
}

/// Follows every setting through the reader at once, for settings that must change together (the gateway's
/// route table): `apply` gets a way to look settings up by name (`route.orders.timeoutMs`) in one consistent
/// snapshot, at the start and after every change.
public struct SettingsWatcher: Service {
    let reader: ConfigReader
    let apply: @Sendable (_ lookUp: (String) -> String?) -> Void

    public init(settings: LiveSettings, apply: @escaping @Sendable (_ lookUp: (String) -> String?) -> Void) {
        self.reader = settings.reader
        self.apply = apply
    }

    /// Applies the settings as they are now, before the watcher runs (so that a service starts with them).
    public func applyCurrent() { apply(Self.lookUp(in: reader.snapshot())) }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await reader.watchSnapshot { snapshots in
                for await snapshot in snapshots { apply(Self.lookUp(in: snapshot)) }
            }
        }
    }

    private static func lookUp(in snapshot: ConfigSnapshotReader) -> (String) -> String? {
        { setting in
            guard let key = ConfigurationKeys.configKey(ofSetting: setting) else { return nil }
            return snapshot.string(forKey: ConfigKey(key.components))
        }
    }
}

/// `log.level`: a valid level applies to every logger of the process at once; a value that is not a level is
/// ignored with a warning, keeping the last good one; a removed setting goes back to the level the process
/// started with.
public enum LogLevelSetting {
    public static let name = "log.level"
    public static let key = ConfigKey(["log", "level"])
    static let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")

    static func parse(_ value: String) -> Logger.Level? {
        Logger.Level(rawValue: value.trimmingCharacters(in: .whitespaces).lowercased())
    }

    public static func apply(_ value: String?, initial: Logger.Level, logger: Logger) {
        guard let value else {
            if LiveLogLevel.current != initial {
                LiveLogLevel.set(initial)
                logger.notice("log level back to the start's", metadata: ["level": "\(initial)"])
            }
            return
        }
        guard let level = parse(value) else {
            logger.warning("log.level is not a level; keeping the last one", metadata: [
                "value": "\(value.prefix(64))", "level": "\(LiveLogLevel.current)", "levels": "\(levels)",
            ])
            return
        }
        guard level != LiveLogLevel.current else { return }
        LiveLogLevel.set(level)
        // Said at the new level's floor or above, so that a change is always in the log.
        logger.log(level: max(level, .notice), "log level changed", metadata: ["level": "\(level)"])
    }
}

/// `maintenance`: while `on`, the service answers every request that would change something (any method but GET,
/// HEAD and OPTIONS) with 503 and `Retry-After`, and reads go on (``MaintenanceMiddleware``). `off` or a removed
/// setting ends it; any other value is ignored with a warning.
public enum MaintenanceMode {
    public static let name = "maintenance"
    public static let key = ConfigKey(["maintenance"])
    /// What `Retry-After` says, in seconds.
    public static let retryAfterSeconds = 30
    /// The process's switch; a test that runs several services in one process passes its own to the middleware.
    public static let live = LiveSwitch(setting: name, whenOn: "maintenance on: writes are refused with 503, reads go on", whenOff: "maintenance off")

    public static var isOn: Bool { live.isOn }

    public static func set(_ on: Bool) { live.set(on) }

    public static func apply(_ value: String?, logger: Logger) { live.apply(value, logger: logger) }
}

/// A setting that is on or off (`on`/`off`, `true`/`false`, `yes`/`no`, `1`/`0`) and changes while the process
/// runs: a removed setting is off, a value that is neither is ignored with a warning, keeping the last state, and
/// every change is logged.
public final class LiveSwitch: Sendable {
    public let setting: String
    let whenOn: String
    let whenOff: String
    private let state = Mutex(false)

    public init(setting: String, whenOn: String, whenOff: String) {
        self.setting = setting
        self.whenOn = whenOn
        self.whenOff = whenOff
    }

    public var isOn: Bool { state.withLock { $0 } }

    public func set(_ on: Bool) { state.withLock { $0 = on } }

    public static func parse(_ value: String) -> Bool? {
        switch value.trimmingCharacters(in: .whitespaces).lowercased() {
        case "off", "false", "0", "no": false
        case "on", "true", "1", "yes": true
        default: nil
        }
    }

    public func apply(_ value: String?, logger: Logger) {
        guard let on = value.map(Self.parse) ?? false else {
            logger.warning("\(setting) is neither on nor off; keeping the last state", metadata: ["value": "\(value!.prefix(64))", "on": "\(isOn)"])
            return
        }
        let changed = state.withLock { state in
            defer { state = on }
            return state != on
        }
        if changed { logger.notice("\(on ? whenOn : whenOff)") }
    }

    /// Takes the setting's current value from `settings` now, and follows it with the watcher returned, for the
    /// service group.
    public func follow(_ settings: LiveSettings, logger: Logger) -> SettingWatcher {
        guard let absolute = ConfigurationKeys.configKey(ofSetting: setting) else { preconditionFailure("'\(setting)' is not a setting name") }
        let key = ConfigKey(absolute.components)
        apply(settings.reader.string(forKey: key), logger: logger)
        return SettingWatcher(reader: settings.reader, key: key) { self.apply($0, logger: logger) }
    }
}
