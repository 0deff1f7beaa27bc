import Foundation
import Logging
import ServiceLifecycle

/// A reachable instance of a service.
public struct ServiceEndpoint: Sendable, Hashable {
    public let id: String
    public let host: String
    public let port: Int
    public let scheme: String
    /// Which start of the process behind `id` this is (the `incarnation` in its registry metadata), so that a
    /// restarted instance, which keeps its id, is not judged by what its previous process did; empty when unknown.
    public let incarnation: String

    public init(id: String, host: String, port: Int, scheme: String = "http", incarnation: String = "") {
        self.id = id
        self.host = host
        self.port = port
        self.scheme = scheme
        self.incarnation = incarnation
    }

    public var baseURL: String { "\(scheme)://\(host):\(port)" }
}

/// Where a service client finds the instances of a service.
public protocol ServiceDiscovery: Sendable {
    /// The healthy instances of `service` as currently known; empty when none is.
    func endpoints(of service: String) async -> [ServiceEndpoint]
    /// The names of the services it knows of (an event publisher asks each of them what it subscribes to);
    /// `nil` when the source cannot tell right now.
    func knownServices() async -> Set<String>?
    /// Returns when the set of known services may have changed (a service registered), or after `timeout`.
    func servicesMayHaveChanged(within timeout: Duration) async
}

extension ServiceDiscovery {
    /// Fixed sources learn of nothing new: they wait out the timeout.
    public func servicesMayHaveChanged(within timeout: Duration) async {
        try? await Task.sleep(for: timeout)
    }
}

/// Fixed URLs, e.g. Kubernetes Services or docker-compose names: `USER_SERVICE_URL=http://user-service:8081`.
public struct StaticDiscovery: ServiceDiscovery {
    let endpoints: [String: [ServiceEndpoint]]

    public init(_ urls: [String: [String]]) {
        endpoints = urls.mapValues { list in
            list.compactMap { raw in
                guard let url = URLComponents(string: raw), let host = url.host else { return nil }
                let scheme = url.scheme ?? "http"
                return ServiceEndpoint(id: raw, host: host, port: url.port ?? (scheme == "https" ? 443 : 80), scheme: scheme)
            }
        }
    }

    /// `<NAME>_URL` variables for the given service names (`user-service` reads `USER_SERVICE_URL`); a variable may
    /// list several URLs separated by commas. `EVENT_CONSUMERS` names more services, read the same way: the
    /// consumers of this service's events where there is no registry to find them (Kubernetes), since a publisher
    /// asks every service it knows of for its subscriptions.
    public init(environment: ServiceEnvironment, services: [String]) {
        var urls: [String: [String]] = [:]
        let consumers = (environment.string("EVENT_CONSUMERS") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for service in services + consumers {
            let variable = service.uppercased().replacingOccurrences(of: "-", with: "_") + "_URL"
            if let value = environment.string(variable) {
                urls[service] = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        self.init(urls)
    }

    public func endpoints(of service: String) async -> [ServiceEndpoint] { endpoints[service] ?? [] }

    public func knownServices() async -> Set<String>? { Set(endpoints.keys) }
}

/// Asks each source in turn and uses the first that knows instances of the service: static URLs from the
/// environment override what the registry says.
public struct LayeredDiscovery: ServiceDiscovery {
    let sources: [any ServiceDiscovery]

    public init(_ sources: [any ServiceDiscovery]) { self.sources = sources }

    public func endpoints(of service: String) async -> [ServiceEndpoint] {
        for source in sources {
            let found = await source.endpoints(of: service)
            if !found.isEmpty { return found }
        }
        return []
    }

    /// Returns as soon as any source sees a change.
    public func servicesMayHaveChanged(within timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            for source in sources { group.addTask { await source.servicesMayHaveChanged(within: timeout) } }
            await group.next()
            group.cancelAll()
        }
    }

    /// What every source knows; `nil` when one of them cannot tell (a publisher then keeps what it learned).
    public func knownServices() async -> Set<String>? {
        var known: Set<String> = []
        for source in sources {
            guard let names = await source.knownServices() else { return nil }
            known.formUnion(names)
        }
        return known
    }
}

extension RuntimeSettings {
    /// How a service finds the others: fixed URLs (`<SERVICE>_URL`) first, then the registry when one is configured.
    /// The returned services (the registry watcher) must run in the service group.
    public func discovery(fixed: StaticDiscovery, logger: Logger) -> (discovery: any ServiceDiscovery, services: [any Service]) {
        guard let registryURL else { return (fixed, []) }
        let registry = RegistryDiscovery(registryURL: registryURL, logger: logger)
        return (LayeredDiscovery([fixed, registry]), [registry])
    }
}
