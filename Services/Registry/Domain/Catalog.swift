import Foundation

/// Every registered instance and a monotonically increasing index that changes whenever what a query would
/// return changes, so that blocking queries can wait for "anything after index N".
public struct Catalog: Sendable, Equatable {
    public private(set) var index: UInt64 = 1
    private var instances: [String: ServiceInstance] = [:]

    public init() {}

    /// Adds or replaces an instance (re-registration after a restart is the same call). Passing from now on.
    public mutating func register(_ instance: ServiceInstance, at now: Date) {
        var instance = instance
        instance.health = .passing
        instance.lastHeartbeat = now
        let previous = instances[instance.id]
        if let previous, Self.sameListing(previous, instance) {
            instances[instance.id] = keepingIndex(instance, of: previous)
            return
        }
        bump(&instance)
        instances[instance.id] = instance
    }

    public mutating func deregister(_ id: String) throws(RegistryError) {
        guard instances.removeValue(forKey: id) != nil else { throw .unknownInstance(id) }
        index += 1
    }

    /// A TTL heartbeat. Unknown instances must register again.
    public mutating func heartbeat(_ id: String, at now: Date) throws(RegistryError) {
        guard var instance = instances[id] else { throw .unknownInstance(id) }
        instance.lastHeartbeat = now
        if instance.health == .critical {
            instance.health = .passing
            bump(&instance)
        }
        instances[id] = instance
    }

    /// Marks instances whose TTL has passed critical and removes those critical for longer than their grace.
    /// Returns whether anything changed.
    @discardableResult
    public mutating func expire(at now: Date) -> Bool {
        var changed = false
        for (id, var instance) in instances {
            let silence = now.timeIntervalSince(instance.lastHeartbeat)
            if silence > Self.seconds(instance.ttl) + Self.seconds(instance.removeAfterCritical) {
                instances[id] = nil
                index += 1
                changed = true
            } else if silence > Self.seconds(instance.ttl), instance.health == .passing {
                instance.health = .critical
                bump(&instance)
                instances[id] = instance
                changed = true
            }
        }
        return changed
    }

    /// Instances of one service, sorted by id; only passing ones when `passingOnly`.
    public func instances(of service: String, passingOnly: Bool) -> [ServiceInstance] {
        instances.values.filter { $0.service == service && (!passingOnly || $0.health == .passing) }.sorted { $0.id < $1.id }
    }

    /// Every service name with the union of its instances' tags.
    public func services() -> [String: [String]] {
        instances.values.reduce(into: [:]) { result, instance in
            result[instance.service, default: []].append(contentsOf: instance.tags)
        }.mapValues { Array(Set($0)).sorted() }
    }

    public func instance(_ id: String) -> ServiceInstance? { instances[id] }

    private mutating func bump(_ instance: inout ServiceInstance) {
        index += 1
        instance.modifyIndex = index
    }

    private func keepingIndex(_ instance: ServiceInstance, of previous: ServiceInstance) -> ServiceInstance {
        var kept = instance
        kept.modifyIndex = previous.modifyIndex
        return kept
    }

    private static func sameListing(_ a: ServiceInstance, _ b: ServiceInstance) -> Bool {
        a.service == b.service && a.address == b.address && a.port == b.port && a.tags == b.tags && a.metadata == b.metadata
            && a.ttl == b.ttl && a.removeAfterCritical == b.removeAfterCritical && a.health == b.health
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
