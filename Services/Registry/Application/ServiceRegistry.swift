import Foundation
import RegistryDomain
import TradewindKernel

/// The registry's use cases over one in-memory catalog: register, heartbeat, deregister, and queries that can
/// block until the catalog changes past a given index (Consul's "blocking queries"), so that clients see changes
/// within milliseconds without polling.
public actor ServiceRegistry {
    public struct Registration: Sendable {
        public var id: String
        public var service: String
        public var address: String
        public var port: Int
        public var tags: [String]
        public var metadata: [String: String]
        public var ttl: Duration
        public var removeAfterCritical: Duration

        public init(id: String, service: String, address: String, port: Int, tags: [String], metadata: [String: String], ttl: Duration, removeAfterCritical: Duration) {
            self.id = id
            self.service = service
            self.address = address
            self.port = port
            self.tags = tags
            self.metadata = metadata
            self.ttl = ttl
            self.removeAfterCritical = removeAfterCritical
        }
    }

    private var catalog = Catalog()
    private let clock: any WallClock
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var isClosing = false
    /// Bounds how long one query may block, whatever the client asks for.
    public static let maximumWait: Duration = .seconds(600)

    public init(clock: any WallClock) { self.clock = clock }

    public var index: UInt64 { catalog.index }

    public func register(_ registration: Registration) throws(RegistryError) {
        let instance = try ServiceInstance(
            id: registration.id, service: registration.service, address: registration.address, port: registration.port,
            tags: registration.tags, metadata: registration.metadata, ttl: registration.ttl,
            removeAfterCritical: registration.removeAfterCritical, registeredAt: clock.now()
        )
        changing { $0.register(instance, at: clock.now()) }
    }

    public func heartbeat(_ id: String) throws(RegistryError) {
        try changing { catalog throws(RegistryError) in try catalog.heartbeat(id, at: clock.now()) }
    }

    public func deregister(_ id: String) throws(RegistryError) {
        try changing { catalog throws(RegistryError) in try catalog.deregister(id) }
    }

    /// Applies TTL expiry; the server calls it several times a second.
    public func sweep() {
        _ = changing { $0.expire(at: clock.now()) }
    }

    /// The instances of `service` as soon as the catalog index is past `index` (at once when `index` is nil or
    /// already behind), or when `wait` runs out; with the index that answer reflects.
    public func instances(of service: String, passingOnly: Bool, after index: UInt64?, wait: Duration) async -> (index: UInt64, instances: [ServiceInstance]) {
        if let index { await waitForChange(after: index, timeout: min(wait, Self.maximumWait)) }
        return (catalog.index, catalog.instances(of: service, passingOnly: passingOnly))
    }

    public func services(after index: UInt64?, wait: Duration) async -> (index: UInt64, services: [String: [String]]) {
        if let index { await waitForChange(after: index, timeout: min(wait, Self.maximumWait)) }
        return (catalog.index, catalog.services())
    }

    public func instance(_ id: String) -> ServiceInstance? { catalog.instance(id) }

    /// Answers every blocked query now, and later ones at once: the registry is shutting down and must not hold
    /// requests open.
    public func releaseWaiters() {
        isClosing = true
        wakeWaiters()
    }

    private func changing<T, Failure: Error>(_ change: (inout Catalog) throws(Failure) -> T) throws(Failure) -> T {
        let before = catalog.index
        let result = try change(&catalog)
        if catalog.index != before { wakeWaiters() }
        return result
    }

    private func waitForChange(after index: UInt64, timeout: Duration) async {
        guard catalog.index <= index, timeout > .zero, !isClosing else { return }
        let id = UUID()
        await withCheckedContinuation { continuation in
            waiters[id] = continuation
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.wake(id)
            }
        }
    }

    private func wake(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume()
    }

    private func wakeWaiters() {
        let woken = waiters
        waiters.removeAll()
        for continuation in woken.values { continuation.resume() }
    }
}
