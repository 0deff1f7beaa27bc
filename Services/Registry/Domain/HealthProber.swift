/// Runs an HTTP or TCP check once and says how it went; the registry schedules it.
public protocol HealthProber: Sendable {
    func probe(_ probe: Catalog.Probe) async -> ProbeResult
}

public struct ProbeResult: Sendable, Equatable {
    public var status: HealthStatus
    /// What a person reads to see why (`HTTP GET http://…: 200 OK`, `dial tcp …: connection refused`).
    public var output: String

    public init(status: HealthStatus, output: String) {
        self.status = status
        self.output = output
    }
}
