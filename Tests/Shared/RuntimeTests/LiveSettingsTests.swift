import Configuration
import Logging
import Testing
@testable import TradewindRuntime

@Suite(.serialized) struct LiveSettingsTests {
    @Test func aServiceSeesItsOwnSettingOverTheSharedOneAndNothingElse() {
        let entries: [(key: String, value: String)] = [
            ("config/dev/shared/log.level", "info"), ("config/dev/order-service/log.level", "debug"),
            ("config/dev/shared/maintenance", "on"), ("config/dev/cart-service/log.level", "trace"),
            ("config/production/order-service/log.level", "error"), ("config/dev/order-service/bad..name", "x"),
            ("config/dev/order-service/nested/key", "x"),
        ]
        let settings = ConfigurationKeys.settings(from: entries, service: "order-service", environment: "dev")
        #expect(settings == [
            AbsoluteConfigKey(["log", "level"]): ConfigValue(.string("debug"), isSecret: false),
            AbsoluteConfigKey(["maintenance"]): ConfigValue(.string("on"), isSecret: false),
        ])
    }

    @Test func withoutARegistryOnlyTheEnvironmentIsRead() {
        let runtime = RuntimeSettings(serviceName: "order-service", port: 0, database: .sqliteInMemory)
        #expect(LiveSettings.start(runtime: runtime, logger: Logger(label: "test")).services.isEmpty)
    }

    /// A level applies at once, a value that is not one keeps the last good level, and a removed setting goes back
    /// to the start's.
    @Test func theLogLevelFollowsTheSettingAndIgnoresABadValue() {
        let before = LiveLogLevel.current
        defer { LiveLogLevel.set(before) }
        LiveLogLevel.set(.info)
        let watcher = LogLevelWatcher(reader: ConfigReader(provider: InMemoryProvider(values: [:])), initial: .info, logger: Logger(label: "test"))
        watcher.apply("DEBUG")
        #expect(LiveLogLevel.current == .debug)
        watcher.apply("loudest")
        #expect(LiveLogLevel.current == .debug)
        watcher.apply(nil)
        #expect(LiveLogLevel.current == .info)
    }

    /// The store's value reaches a watcher through the reader, unless the environment sets the variable: then the
    /// environment wins.
    @Test func theEnvironmentWinsOverTheStore() async throws {
        let store = MutableInMemoryProvider(initialValues: [:])
        let key = AbsoluteConfigKey(["log", "level"])
        store.setValue(ConfigValue(.string("debug"), isSecret: false), forKey: key)
        let fromStore = ConfigReader(providers: [EnvironmentVariablesProvider(environmentVariables: [:]), store])
        #expect(fromStore.string(forKey: ConfigKey(["log", "level"])) == "debug")
        let overridden = ConfigReader(providers: [EnvironmentVariablesProvider(environmentVariables: ["LOG_LEVEL": "error"]), store])
        #expect(overridden.string(forKey: ConfigKey(["log", "level"])) == "error")

        let seen = try await fromStore.watchString(forKey: ConfigKey(["log", "level"])) { updates in
            var values: [String?] = []
            for await value in updates {
                values.append(value)
                if values.count == 1 { store.setValue(ConfigValue(.string("trace"), isSecret: false), forKey: key) }
                if values.count == 2 { break }
            }
            return values
        }
        #expect(seen == ["debug", "trace"])
    }
}
