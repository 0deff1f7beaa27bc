import Foundation

/// Every registered instance and a monotonically increasing index that changes whenever what a query would
/// return changes, so that blocking queries can wait for "anything after index N". Each change returns the
/// events it caused; a heartbeat that changes nothing returns none.
public struct Catalog: Sendable, Equatable {
    /// An HTTP or TCP check the registry should run now.
    public struct Probe: Sendable, Equatable {
        public let checkID: String
        public let kind: HealthCheck.Kind
        public let timeout: Duration
        public let startedAt: Date

        public init(checkID: String, kind: HealthCheck.Kind, timeout: Duration, startedAt: Date) {
            self.checkID = checkID
            self.kind = kind
            self.timeout = timeout
            self.startedAt = startedAt
        }
    }

    public private(set) var index: UInt64 = 1
    private var instances: [String: ServiceInstance] = [:]
    /// Which instance holds each check id (check ids are unique in the registry, as on a Consul agent).
    private var checkOwners: [String: String] = [:]
    private var nextProbe: [String: Date] = [:]

    public init() {}

    /// Adds or replaces an instance (re-registration after a restart is the same call). Checks whose definition
    /// did not change keep their status; new ones start with the status they were given.
    public mutating func register(_ instance: ServiceInstance, by registrant: Registrant, at now: Date) throws(RegistryError) -> [CatalogEvent] {
        guard registrant.mayChange(instance.service) else {
            throw .forbidden("\(registrant.description) may not register instances of '\(instance.service)'")
        }
        let previous = instances[instance.id]
        if let previous, !registrant.mayChange(previous.service) {
            throw .forbidden("instance '\(instance.id)' belongs to '\(previous.service)'; \(registrant.description) may not replace it")
        }
        for check in instance.checks {
            if let owner = checkOwners[check.id], owner != instance.id {
                throw .invalidRegistration("check id '\(check.id)' belongs to instance '\(owner)'")
            }
        }
        var instance = instance
        for position in instance.checks.indices {
            if let kept = previous?.checks.first(where: { $0.hasSameDefinition(as: instance.checks[position]) }) {
                instance.checks[position] = kept
            } else {
                instance.checks[position].statusSince = now
                instance.checks[position].lastReport = now
            }
        }
        if let previous, previous.hasSameListing(as: instance), previous.checks == instance.checks { return [] }
        if let previous { forgetChecks(of: previous) }
        index += 1
        instance.createIndex = previous?.createIndex ?? index
        instance.modifyIndex = index
        for position in instance.checks.indices where instance.checks[position].modifyIndex == 0 {
            instance.checks[position].modifyIndex = index
        }
        for check in instance.checks {
            checkOwners[check.id] = instance.id
            if check.interval != nil { nextProbe[check.id] = now }
        }
        instances[instance.id] = instance
        return [.registered(instance)]
    }

    public mutating func deregister(_ id: String, by registrant: Registrant) throws(RegistryError) -> [CatalogEvent] {
        guard let instance = instances[id] else { throw .unknownInstance(id) }
        guard registrant.mayChange(instance.service) else {
            throw .forbidden("instance '\(id)' belongs to '\(instance.service)'; \(registrant.description) may not deregister it")
        }
        remove(instance)
        return [.removed(instance, .deregistered)]
    }

    /// A report on a TTL check (`pass`, `warn`, `fail` or `update`): it restarts the TTL.
    public mutating func report(_ status: HealthStatus, output: String, onCheck checkID: String, by registrant: Registrant, at now: Date) throws(RegistryError) -> [CatalogEvent] {
        guard let owner = checkOwners[checkID], var instance = instances[owner],
              let position = instance.checks.firstIndex(where: { $0.id == checkID }) else { throw .unknownCheck(checkID) }
        guard registrant.mayChange(instance.service) else {
            throw .forbidden("check '\(checkID)' belongs to '\(instance.service)'; \(registrant.description) may not report on it")
        }
        guard case .ttl = instance.checks[position].kind else { throw .notATTLCheck(checkID) }
        instance.checks[position].lastReport = now
        let events = update(&instance, check: position, to: status, output: output, at: now)
        instances[owner] = instance
        return events
    }

    /// The HTTP and TCP checks due at `now`. A check is not due again until its result is recorded, so a hanging
    /// endpoint is probed by one probe at a time.
    public mutating func takeDueProbes(at now: Date) -> [Probe] {
        var due: [Probe] = []
        for (checkID, time) in nextProbe where time <= now {
            guard let owner = checkOwners[checkID], let check = instances[owner]?.checks.first(where: { $0.id == checkID }),
                  check.interval != nil else {
                nextProbe[checkID] = nil
                continue
            }
            due.append(Probe(checkID: checkID, kind: check.kind, timeout: check.timeout, startedAt: now))
            nextProbe[checkID] = .distantFuture
        }
        return due.sorted { $0.checkID < $1.checkID }
    }

    /// The result of a probe. Ignored when the check is gone or was redefined while the probe ran.
    public mutating func record(_ status: HealthStatus, output: String, of probe: Probe, at now: Date) -> [CatalogEvent] {
        guard let owner = checkOwners[probe.checkID], var instance = instances[owner],
              let position = instance.checks.firstIndex(where: { $0.id == probe.checkID }),
              instance.checks[position].kind == probe.kind, let interval = instance.checks[position].interval else { return [] }
        nextProbe[probe.checkID] = max(now, probe.startedAt.addingTimeInterval(Self.seconds(interval)))
        let events = update(&instance, check: position, to: status, output: output, at: now)
        instances[owner] = instance
        return events
    }

    /// Marks TTL checks that were not reported in time critical, and removes instances with a check critical
    /// for longer than its `deregisterCriticalAfter`.
    public mutating func expire(at now: Date) -> [CatalogEvent] {
        var events: [CatalogEvent] = []
        for id in instances.keys.sorted() {
            guard var instance = instances[id] else { continue }
            for position in instance.checks.indices {
                guard case .ttl(let ttl) = instance.checks[position].kind, instance.checks[position].status != .critical,
                      now.timeIntervalSince(instance.checks[position].lastReport) > Self.seconds(ttl) else { continue }
                events += update(&instance, check: position, to: .critical, output: "TTL expired", at: now)
            }
            instances[id] = instance
            let overdue = instance.checks.first { check in
                guard check.status == .critical, let limit = check.deregisterCriticalAfter else { return false }
                return now.timeIntervalSince(check.statusSince) > Self.seconds(limit)
            }
            if let overdue {
                remove(instance)
                events.append(.removed(instance, .criticalTooLong(checkID: overdue.id)))
            }
        }
        return events
    }

    /// Instances of one service, sorted by id; only those with every check passing when `passingOnly`.
    public func instances(of service: String, passingOnly: Bool) -> [ServiceInstance] {
        instances.values.filter { $0.service == service && (!passingOnly || $0.health == .passing) }.sorted { $0.id < $1.id }
    }

    public var allInstances: [ServiceInstance] { instances.values.sorted { $0.id < $1.id } }

    /// Every service name with the union of its instances' tags.
    public func services() -> [String: [String]] {
        instances.values.reduce(into: [:]) { result, instance in
            result[instance.service, default: []].append(contentsOf: instance.tags)
        }.mapValues { Array(Set($0)).sorted() }
    }

    public func instance(_ id: String) -> ServiceInstance? { instances[id] }

    private mutating func update(_ instance: inout ServiceInstance, check position: Int, to status: HealthStatus, output: String, at now: Date) -> [CatalogEvent] {
        let before = instance.checks[position].status
        instance.checks[position].output = String(output.prefix(4096))
        guard before != status else { return [] }
        index += 1
        instance.checks[position].status = status
        instance.checks[position].statusSince = now
        instance.checks[position].modifyIndex = index
        instance.modifyIndex = index
        return [.checkChanged(
            instance: instance.id, service: instance.service, check: instance.checks[position].id, from: before, to: status,
            output: instance.checks[position].output
        )]
    }

    private mutating func remove(_ instance: ServiceInstance) {
        instances[instance.id] = nil
        forgetChecks(of: instance)
        index += 1
    }

    private mutating func forgetChecks(of instance: ServiceInstance) {
        for check in instance.checks {
            checkOwners[check.id] = nil
            nextProbe[check.id] = nil
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
