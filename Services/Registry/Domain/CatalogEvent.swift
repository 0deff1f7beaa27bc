/// What changed in the catalog, for the log a person reads: registrations, removals and health changes,
/// never the heartbeats that change nothing.
public enum CatalogEvent: Sendable, Equatable {
    public enum Removal: Sendable, Equatable {
        case deregistered
        /// A check stayed critical longer than its `DeregisterCriticalServiceAfter`.
        case criticalTooLong(checkID: String)
    }

    case registered(ServiceInstance)
    case removed(ServiceInstance, Removal)
    case checkChanged(instance: String, service: String, check: String, from: HealthStatus, to: HealthStatus, output: String)
}
