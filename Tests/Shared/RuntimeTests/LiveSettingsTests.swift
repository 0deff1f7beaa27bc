import Configuration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
@testable import TradewindRuntime
import TradewindTesting

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

    @Test func withoutARegistryOnlyTheEnvironmentIsRead() async throws {
        let runtime = RuntimeSettings(serviceName: "order-service", port: 0, database: .sqliteInMemory)
        #expect(try await LiveSettings.start(runtime: runtime, logger: Logger(label: "test")).services.isEmpty)
    }

    /// A level applies at once, a value that is not one keeps the last good level, and a removed setting goes back
    /// to the start's.
    @Test func theLogLevelFollowsTheSettingAndIgnoresABadValue() {
        let before = LiveLogLevel.current
        defer { LiveLogLevel.set(before) }
        LiveLogLevel.set(.info)
        let logger = Logger(label: "test")
        LogLevelSetting.apply("DEBUG", initial: .info, logger: logger)
        #expect(LiveLogLevel.current == .debug)
        LogLevelSetting.apply("loudest", initial: .info, logger: logger)
        #expect(LiveLogLevel.current == .debug)
        LogLevelSetting.apply(nil, initial: .info, logger: logger)
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
            for await value in updates where values.last != value {
                values.append(value)
                if values.count == 1 { store.setValue(ConfigValue(.string("trace"), isSecret: false), forKey: key) }
                if values.count == 2 { break }
            }
            return values
        }
        #expect(seen == ["debug", "trace"])
    }
}

/// The maintenance switch over a router: writes are refused with 503 and Retry-After and reach no handler, reads go on.
@Suite struct MaintenanceTests {
    @Test func inMaintenanceWritesAre503AndReadsGoOn() async throws {
        // Its own switch: the process's would put every service other tests run here in maintenance too.
        let maintenance = LiveSwitch(setting: MaintenanceMode.name, whenOn: "on", whenOff: "off")
        let writes = Mutex(0)
        let router = Router()
        router.add(middleware: ProblemMiddleware { _ in nil })
        router.add(middleware: MaintenanceMiddleware(switch: maintenance))
        router.get("/items") { _, _ in "[]" }
        router.post("/items") { _, _ -> HTTPResponse.Status in
            writes.withLock { $0 += 1 }
            return .created
        }
        try await Application(router: router).test(.router) { client in
            let logger = Logger(label: "test")
            maintenance.apply("on", logger: logger)
            let refused = try await client.execute(uri: "/items", method: .post)
            #expect(refused.status == .serviceUnavailable && refused.headers[.retryAfter] == "30")
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(try await client.execute(uri: "/items", method: .get).status == .ok)
            maintenance.apply("sometimes", logger: logger)
            #expect(maintenance.isOn, "a value that is neither on nor off keeps the last state")
            maintenance.apply(nil, logger: logger)
            #expect(try await client.execute(uri: "/items", method: .post).status == .created)
        }
        #expect(writes.withLock { $0 } == 1, "the refused write reached no handler")
    }
}

@Suite struct SettingCatalogTests {
    @Test(arguments: [
        ("log.level", "debug", true), ("log.level", " WARNING ", true), ("log.level", "loud", false),
        ("maintenance", "on", true), ("maintenance", "Off", true), ("maintenance", "soon", false),
        ("route.orders.timeoutMs", "750", true), ("route.orders.timeoutMs", "0", false), ("route.orders.timeoutMs", "300001", false),
        ("route.orders.timeoutMs", "1.5", false), ("route.orders.maxBodyBytes", "0", true), ("route.orders.maxBodyBytes", "-1", false),
        ("route.orders.rateLimit.perSecond", "0.5", true), ("route.orders.rateLimit.perSecond", "0", false),
        ("route.orders.rateLimit.perSecond", "nan", false), ("route.orders.rateLimit.burst", "1", true), ("route.orders.rateLimit.burst", "x", false),
        ("routes", #"{"routes": [{"name": "a"}]}"#, true), ("routes", #"{"routes": []}"#, false), ("routes", "{", false),
        ("feature.anything", "whatever", true), ("route.orders.somethingElse", "x", true),
    ])
    func knownSettingsAreCheckedAndOthersPass(_ setting: String, _ value: String, _ accepted: Bool) {
        #expect((SettingCatalog.problem(setting: setting, value: value) == nil) == accepted)
    }

    @Test func originsAreNormalizedAsBrowsersSendThem() {
        #expect(SettingCatalog.origins("HTTPS://Shop.Example.com:443, http://localhost:3000 http://[::1]:8080") ==
                ["https://shop.example.com", "http://localhost:3000", "http://[::1]:8080"])
        #expect(SettingCatalog.origins("") == [])
        for bad in ["shop.example.com", "ftp://shop.example", "https://shop.example/path", "https://user@shop.example", "*"] {
            #expect(SettingCatalog.origins(bad) == nil, "\(bad)")
        }
    }

    @Test func onlyKeysUnderConfigAreSettings() {
        #expect(SettingCatalog.problem(key: "config/dev/shared/log.level", value: Array("loud".utf8)) != nil)
        #expect(SettingCatalog.problem(key: "config/dev/shared/log.level", value: [0xFF, 0xFE]) != nil)
        #expect(SettingCatalog.problem(key: "other/dev/shared/log.level", value: Array("loud".utf8)) == nil)
        #expect(SettingCatalog.problem(key: "config/dev/log.level", value: Array("loud".utf8)) == nil, "not inside a service's folder")
    }
}

/// The first read of the registry's settings happens before a service starts, without blocking; a registry that
/// does not answer delays the start by the timeout at most.
@Suite struct RegistrySettingsSourceTests {
    @Test func theInitialReadFillsTheProviderAtOnce() async throws {
        let router = Router()
        let asked = Mutex<[String]>([])
        router.get("/v1/kv/config/dev/") { request, _ -> Response in
            asked.withLock { $0.append(request.uri.description) }
            // A blocking read would wait; the initial one must not ask for one.
            let parameters = request.uri.queryParameters
            guard parameters["index"] == nil, parameters["wait"] == nil,
                  request.headers[HTTPField.Name("X-Consul-Token")!] == "service.svc.x" else {
                return Response(status: .badRequest)
            }
            let value = Data("debug".utf8).base64EncodedString()
            return Response(status: .ok, headers: [.contentType: "application/json", HTTPField.Name("X-Consul-Index")!: "5"],
                            body: .init(byteBuffer: ByteBuffer(string: #"[{"Key":"config/dev/svc/log.level","Value":"\#(value)"}]"#)))
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let source = RegistrySettingsSource(
                registryURL: "http://127.0.0.1:\(client.port!)", token: "service.svc.x", service: "svc", environment: "dev", logger: Logger(label: "test")
            )
            // Not blocking is proven by the request itself, not by a stopwatch on a shared machine: one read, without
            // the index and wait of a blocking query, answered (a read that ran out of time fills nothing).
            await source.loadInitial()
            #expect(asked.withLock { $0.count } == 1, "\(asked.withLock { $0 })")
            #expect(ConfigReader(provider: source.provider).string(forKey: ConfigKey(["log", "level"])) == "debug")
        }
    }

    /// A registry that refuses the connection, and one that takes it and never answers (without the timeout, the
    /// start would wait for ever).
    @Test(arguments: [false, true])
    func aRegistryThatDoesNotAnswerDelaysTheStartByTheTimeoutAtMost(connectionRefused: Bool) async throws {
        let port = try connectionRefused ? DeadPorts.reserve() : DeadPorts.reserveSilent()
        let source = RegistrySettingsSource(
            registryURL: "http://127.0.0.1:\(port)", token: "service.svc.x", service: "svc", environment: "dev", logger: Logger(label: "test")
        )
        let started = ContinuousClock.now
        await source.loadInitial(timeout: .milliseconds(500))
        #expect(ContinuousClock.now - started < .seconds(5), "bounded, with room for a busy test machine")
        #expect(ConfigReader(provider: source.provider).string(forKey: ConfigKey(["log", "level"])) == nil)
    }
}

/// Settings files (a mounted Kubernetes ConfigMap) are followed with the reloading file provider: a ConfigMap
/// update, which swaps a symbolic link to a new folder of files, reaches the reader without a restart; the own file
/// wins over the shared one; a file that is not JSON at the start is a configuration error.
@Suite struct SettingsFileTests {
    /// A folder laid out as the kubelet lays out a ConfigMap volume: `<key> -> ..data/<key>`, `..data -> ..<version>`.
    final class ConfigMapVolume {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-configmap-\(UUID().uuidString)")
        private var version = 0

        init(_ files: [String: String]) throws {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try publish(files)
            for name in files.keys {
                try FileManager.default.createSymbolicLink(atPath: path(name), withDestinationPath: "..data/\(name)")
            }
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// Writes a new version of the files and swaps `..data` to it in one rename, as the kubelet does.
        func publish(_ files: [String: String]) throws {
            version += 1
            let versioned = folder.appendingPathComponent("..v\(version)")
            try FileManager.default.createDirectory(at: versioned, withIntermediateDirectories: true)
            for (name, text) in files { try Data(text.utf8).write(to: versioned.appendingPathComponent(name)) }
            let link = folder.appendingPathComponent("..data_tmp").path
            try? FileManager.default.removeItem(atPath: link)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "..v\(version)")
            guard rename(link, folder.appendingPathComponent("..data").path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        }

        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    static let runtime = RuntimeSettings(serviceName: "order-service", port: 0, database: .sqliteInMemory)

    @Test func aConfigMapUpdateReachesTheReaderAndTheOwnFileWins() async throws {
        let volume = try ConfigMapVolume([
            "order-service.json": #"{"checkout.hold": "on"}"#,
            "shared.json": #"{"checkout.hold": "off", "log": {"level": "warning"}}"#,
        ])
        let live = try await LiveSettings.start(
            runtime: Self.runtime,
            environment: ServiceEnvironment(["SETTINGS_FILES": "\(volume.path("order-service.json")), \(volume.path("shared.json"))"]),
            logger: Logger(label: "test")
        )
        #expect(live.reader.string(forKey: "checkout.hold") == "on", "the own file wins")
        #expect(live.reader.string(forKey: "log.level") == "warning", "nested objects are dotted names")
        let files = live.services.compactMap { $0 as? ReloadingFileProvider<JSONSnapshot> }
        #expect(files.count == 2)
        let following = Task { try await withThrowingTaskGroup(of: Void.self) { group in
            for file in files { group.addTask { try await file.run() } }
            try await group.waitForAll()
        } }
        defer { following.cancel() }

        let seen = try await live.reader.watchString(forKey: "checkout.hold") { updates in
            var values: [String?] = []
            for await value in updates where values.last != value {
                values.append(value)
                if values.count == 1 {
                    try volume.publish(["order-service.json": #"{"checkout.hold": "off"}"#, "shared.json": "{}"])
                }
                if values.last == "off" { break }
            }
            return values
        }
        #expect(seen == ["on", "off"])
        // Each file is checked on its own tick.
        for _ in 0..<30 where live.reader.string(forKey: "log.level") != nil { try await Task.sleep(for: .milliseconds(100)) }
        #expect(live.reader.string(forKey: "log.level") == nil, "the shared file's level is gone with the new version")
    }

    @Test func aFileThatIsNotJSONAtTheStartIsAConfigurationError() async throws {
        let volume = try ConfigMapVolume(["order-service.json": "log.level = debug"])
        await #expect(throws: ConfigurationError.self) {
            try await LiveSettings.start(
                runtime: Self.runtime, environment: ServiceEnvironment(["SETTINGS_FILES": volume.path("order-service.json")]), logger: Logger(label: "test")
            )
        }
        // A missing file is no error: the ConfigMap may not carry one for every service.
        let missing = try await LiveSettings.start(
            runtime: Self.runtime, environment: ServiceEnvironment(["SETTINGS_FILES": volume.path("nothing.json")]), logger: Logger(label: "test")
        )
        #expect(missing.reader.string(forKey: "log.level") == nil)
    }
}
