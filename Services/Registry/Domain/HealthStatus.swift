/// Consul's check statuses. An instance is as healthy as its worst check.
public enum HealthStatus: String, Sendable, Equatable, Comparable, CaseIterable {
    case passing
    case warning
    case critical

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.severity < rhs.severity }

    private var severity: Int {
        switch self {
        case .passing: 0
        case .warning: 1
        case .critical: 2
        }
    }
}
