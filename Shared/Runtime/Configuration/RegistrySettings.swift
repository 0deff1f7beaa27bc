import AsyncHTTPClient
import Configuration
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Where the settings that change without a restart live: `config/<environment>/<service>/<setting>` and
/// `config/<environment>/shared/<setting>` in the registry's key/value store, the setting named like its
/// environment variable in lower case with dots (`LOG_LEVEL` is `log.level`).
public enum ConfigurationKeys {
    public static let defaultEnvironment = "development"

    /// `log.level` → the configuration key `log.level`, which the environment provider reads as `LOG_LEVEL`.
    static func configKey(ofSetting setting: String) -> AbsoluteConfigKey? {
        let components = setting.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !components.isEmpty, components.allSatisfy({ !$0.isEmpty && !$0.contains("/") }) else { return nil }
        return AbsoluteConfigKey(components)
    }

    /// The settings this service sees in a listing of `config/<environment>/`: its own over the shared ones.
    static func settings(from entries: [(key: String, value: String)], service: String, environment: String) -> [AbsoluteConfigKey: ConfigValue] {
        var shared: [AbsoluteConfigKey: ConfigValue] = [:], own: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in entries {
            let parts = key.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "config", parts[1] == environment, let name = configKey(ofSetting: String(parts[3])) else { continue }
            if parts[2] == service { own[name] = ConfigValue(.string(value), isSecret: false) }
            if parts[2] == "shared" { shared[name] = ConfigValue(.string(value), isSecret: false) }
        }
        return shared.merging(own) { $1 }
    }
}

/// The registry's key/value store as a swift-configuration provider: a blocking read of everything this service
/// may see under `config/<environment>/` (with its own registry token, which sees its own and the shared settings)
/// keeps ``provider`` up to date, so `ConfigReader`'s watch API hears of a change within moments of the write. Put
/// it after the environment in a reader's providers: a variable that is set wins. While the registry cannot be
/// reached the last values stay.
public final class RegistrySettingsSource: Service {
    public let provider = MutableInMemoryProvider(name: "registry", initialValues: [:])
    let registryURL: String
    let token: String
    let service: String
    let environment: String
    let wait: Duration
    let logger: Logger
    private let httpClient: HTTPClient

    public init(registryURL: String, token: String, service: String, environment: String, wait: Duration = .seconds(60),
                httpClient: HTTPClient = .shared, logger: Logger) {
        self.registryURL = registryURL.trimmingCharacters(in: ["/"])
        self.token = token
        self.service = service
        self.environment = environment
        self.wait = wait
        self.httpClient = httpClient
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.follow() }
    }

    /// Reads the settings once, without blocking, so that a service starts with them rather than a moment after;
    /// gives up after `timeout` (the registry may be down: the service starts on its environment and catches up).
    public func loadInitial(timeout: Duration = .seconds(2)) async {
        do {
            let (index, settings) = try await read(after: 0, wait: nil, timeout: timeout)
            apply(settings, index: index, announce: false)
        } catch {
            logger.warning("cannot read settings from the registry at start; starting without them", metadata: ["error": "\(error)"])
        }
    }

    private struct Followed {
        var index: UInt64 = 0
        var settings: [AbsoluteConfigKey: ConfigValue] = [:]
    }

    private let followed = Mutex(Followed())

    private func apply(_ settings: [AbsoluteConfigKey: ConfigValue], index newIndex: UInt64, announce: Bool) {
        let current = followed.withLock { followed in
            defer {
                // A lower index means a registry on another database: start over.
                followed.index = newIndex < followed.index ? 0 : newIndex
                followed.settings = settings
            }
            return followed.settings
        }
        for key in Set(current.keys).union(settings.keys) where current[key] != settings[key] {
            provider.setValue(settings[key], forKey: key)
            // The name only: a value may be something that does not belong in a log.
            if announce {
                logger.info(settings[key] == nil ? "setting removed in the registry" : "setting changed in the registry", metadata: ["setting": "\(key)"])
            }
        }
    }

    private func follow() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let (newIndex, settings) = try await read(after: followed.withLock { $0.index }, wait: wait, timeout: nil)
                failures = 0
                apply(settings, index: newIndex, announce: true)
            } catch {
                // Shutting down: the blocking read was cancelled, nothing failed.
                if Task.isCancelled { return }
                failures += 1
                if failures == 1 {
                    logger.warning("cannot read settings from the registry; keeping the last ones", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: min(.seconds(5), .milliseconds(100) * (1 << min(failures, 6))))
            }
        }
    }

    /// One read of the settings: blocking up to `wait` for a change past `index`, or at once without `wait`.
    func read(after index: UInt64, wait: Duration?, timeout: Duration?) async throws -> (UInt64, [AbsoluteConfigKey: ConfigValue]) {
        struct Entry: Decodable { let Key: String, Value: String? }
        let blocking = wait.map { "&index=\(index)&wait=\($0.components.seconds)s" } ?? ""
        var request = HTTPClientRequest(url: "\(registryURL)/v1/kv/config/\(environment)/?recurse\(blocking)")
        request.headers.add(name: "X-Consul-Token", value: token)
        let limit = timeout ?? .seconds((wait?.components.seconds ?? 0) + 5)
        let response = try await httpClient.execute(request, timeout: .init(limit))
        let newIndex = response.headers.first(name: "X-Consul-Index").flatMap(UInt64.init) ?? 0
        let body = try await response.body.collect(upTo: 8 << 20)
        switch response.status.code {
        case 404: return (newIndex, [:])
        case 200:
            let entries = try JSONDecoder().decode([Entry].self, from: Data(body.readableBytesView))
            let values = entries.map { entry in
                (entry.Key, entry.Value.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? "")
            }
            return (newIndex, ConfigurationKeys.settings(from: values, service: service, environment: environment))
        default:
            throw RegistryAgentError(status: Int(response.status.code))
        }
    }
}
