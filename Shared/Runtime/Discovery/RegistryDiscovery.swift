import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Instances from the registry, kept current by one blocking query per watched service: a change in the registry
/// reaches the cache within milliseconds, without polling. While the registry is unreachable the last known
/// instances keep being used. Run it as a service; it starts watching a service the first time it is asked for it.
public actor RegistryDiscovery: ServiceDiscovery, Service {
    private let registryURL: String
    private let httpClient: HTTPClient
    private let logger: Logger
    private let wait: Duration
    private let firstAnswerTimeout: Duration
    private var cache: [String: [ServiceEndpoint]] = [:]
    private var watched: Set<String> = []
    private var firstAnswer: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var newServices: AsyncStream<String>.Continuation?
    private let requests: AsyncStream<String>

    public init(
        registryURL: String, httpClient: HTTPClient = .shared, wait: Duration = .seconds(30),
        firstAnswerTimeout: Duration = .seconds(2), logger: Logger
    ) {
        self.firstAnswerTimeout = firstAnswerTimeout
        self.registryURL = registryURL.hasSuffix("/") ? String(registryURL.dropLast()) : registryURL
        self.httpClient = httpClient
        self.wait = wait
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        self.requests = stream
        self.newServices = continuation
    }

    /// The first call for a service waits (briefly) for the registry's first answer; later calls read the cache.
    public func endpoints(of service: String) async -> [ServiceEndpoint] {
        if let known = cache[service] { return known }
        if !watched.contains(service) {
            watched.insert(service)
            newServices?.yield(service)
        }
        let timeout = firstAnswerTimeout
        Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.giveUpWaiting(for: service)
        }
        await withCheckedContinuation { firstAnswer[service, default: []].append($0) }
        return cache[service] ?? []
    }

    /// The services in the registry's catalog, asked each time; `nil` while the registry is unreachable.
    public func knownServices() async -> Set<String>? {
        try? await catalogServices(after: 0, wait: .zero).services
    }

    /// A blocking query on the catalog: returns when a service registers or leaves, or after `timeout`.
    public func servicesMayHaveChanged(within timeout: Duration) async {
        let start = ContinuousClock.now
        do {
            let index = try await catalogServices(after: catalogIndex, wait: timeout).index
            catalogIndex = index
        } catch {
            // The registry is unreachable: wait out the rest rather than spin.
            try? await Task.sleep(until: start + timeout)
        }
    }

    private var catalogIndex: UInt64 = 0

    private func catalogServices(after index: UInt64, wait: Duration) async throws -> (index: UInt64, services: Set<String>) {
        let seconds = wait.components.seconds
        let query = index == 0 ? "" : "?index=\(index)&wait=\(seconds)s"
        let response = try await httpClient.execute(HTTPClientRequest(url: "\(registryURL)/v1/catalog/services\(query)"), timeout: .seconds(seconds + 5))
        guard response.status == .ok else { throw RegistryAgentError(status: Int(response.status.code)) }
        let newIndex = response.headers.first(name: "X-Consul-Index").flatMap(UInt64.init) ?? 0
        let body = try await response.body.collect(upTo: 4 << 20)
        return (newIndex, Set(try JSONDecoder().decode([String: [String]].self, from: Data(body.readableBytesView)).keys))
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await service in requests.cancelOnGracefulShutdown() {
                group.addTask { await self.watch(service) }
            }
            group.cancelAll()
        }
    }

    private func watch(_ service: String) async {
        var index: UInt64 = 0
        var failures = 0
        while !Task.isCancelled {
            do {
                let (newIndex, endpoints) = try await query(service, after: index)
                // A lower index means the registry restarted: start over.
                index = newIndex < index ? 0 : newIndex
                failures = 0
                update(service, endpoints)
            } catch {
                // Stopping (the service shuts down) ends the blocking query: not a failure of the registry.
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                failures += 1
                update(service, nil)
                if failures == 1 { logger.warning("registry watch failed; using the last known instances", metadata: ["service": "\(service)", "error": "\(error)"]) }
                try? await Task.sleep(for: min(.seconds(5), .milliseconds(100) * (1 << min(failures, 6))))
            }
        }
    }

    private func giveUpWaiting(for service: String) {
        for waiter in firstAnswer.removeValue(forKey: service) ?? [] { waiter.resume() }
    }

    private func update(_ service: String, _ endpoints: [ServiceEndpoint]?) {
        if let endpoints { cache[service] = endpoints } else if cache[service] == nil { cache[service] = [] }
        for waiter in firstAnswer.removeValue(forKey: service) ?? [] { waiter.resume() }
    }

    private func query(_ service: String, after index: UInt64) async throws -> (UInt64, [ServiceEndpoint]) {
        struct Entry: Decodable {
            struct Service: Decodable { let ID: String, Address: String, Port: Int, Meta: [String: String]? }
            let Service: Service
        }
        let seconds = wait.components.seconds
        let request = HTTPClientRequest(url: "\(registryURL)/v1/health/service/\(service)?passing&index=\(index)&wait=\(seconds)s")
        let response = try await httpClient.execute(request, timeout: .seconds(seconds + 5))
        guard response.status == .ok else { throw RegistryAgentError(status: Int(response.status.code)) }
        let newIndex = response.headers.first(name: "X-Consul-Index").flatMap(UInt64.init) ?? 0
        let body = try await response.body.collect(upTo: 4 << 20)
        let entries = try JSONDecoder().decode([Entry].self, from: Data(body.readableBytesView))
        return (newIndex, entries.map {
            ServiceEndpoint(id: $0.Service.ID, host: $0.Service.Address, port: $0.Service.Port, incarnation: $0.Service.Meta?[RegistryAgent.incarnationKey] ?? "")
        })
    }
}
