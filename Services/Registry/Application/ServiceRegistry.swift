import Foundation
import RegistryDomain
import TradewindKernel

/// The registry's use cases over one in-memory catalog: register, report on checks, deregister, and queries that
/// can block until the catalog changes past a given index (Consul's "blocking queries"), so that clients see
/// changes within milliseconds without polling. Every change that matters to a person goes to `onEvent`.
public actor ServiceRegistry {
    private var catalog = Catalog()
    private let clock: any WallClock
    private let onEvent: @Sendable (CatalogEvent) -> Void
    private let changes = ChangeSignal()
    /// Bounds how long one query may block, whatever the client asks for.
    public static let maximumWait: Duration = .seconds(600)

    public init(clock: any WallClock, onEvent: @escaping @Sendable (CatalogEvent) -> Void = { _ in }) {
        self.clock = clock
        self.onEvent = onEvent
    }

    public var index: UInt64 { catalog.index }

    public func register(_ instance: ServiceInstance, by registrant: Registrant) throws(RegistryError) {
        try changing { catalog throws(RegistryError) in try catalog.register(instance, by: registrant, at: clock.now()) }
    }

    public func deregister(_ id: String, by registrant: Registrant) throws(RegistryError) {
        try changing { catalog throws(RegistryError) in try catalog.deregister(id, by: registrant) }
    }

    /// `pass`, `warn`, `fail` or `update` on a TTL check.
    public func report(_ status: HealthStatus, output: String, onCheck checkID: String, by registrant: Registrant) throws(RegistryError) {
        try changing { catalog throws(RegistryError) in try catalog.report(status, output: output, onCheck: checkID, by: registrant, at: clock.now()) }
    }

    /// Applies TTL expiry and critical-too-long removal; the server calls it several times a second.
    public func sweep() {
        changing { $0.expire(at: clock.now()) }
    }

    public func takeDueProbes() -> [Catalog.Probe] { catalog.takeDueProbes(at: clock.now()) }

    public func record(_ result: ProbeResult, of probe: Catalog.Probe) {
        changing { $0.record(result.status, output: result.output, of: probe, at: clock.now()) }
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

    public func allInstances(after index: UInt64?, wait: Duration) async -> (index: UInt64, instances: [ServiceInstance]) {
        if let index { await waitForChange(after: index, timeout: min(wait, Self.maximumWait)) }
        return (catalog.index, catalog.allInstances)
    }

    public func instance(_ id: String) -> ServiceInstance? { catalog.instance(id) }

    /// Answers every blocked query now, and later ones at once: the registry is shutting down and must not hold
    /// requests open.
    public func releaseWaiters() {
        changes.close()
    }

    private func changing<Failure: Error>(_ change: (inout Catalog) throws(Failure) -> [CatalogEvent]) throws(Failure) {
        let before = catalog.index
        let events = try change(&catalog)
        if catalog.index != before { changes.signal() }
        for event in events { onEvent(event) }
    }

    private func waitForChange(after index: UInt64, timeout: Duration) async {
        let seen = changes.generation
        guard catalog.index <= index, timeout > .zero, !changes.isClosed else { return }
        await changes.wait(ifStill: seen, until: .now + timeout)
    }
}
