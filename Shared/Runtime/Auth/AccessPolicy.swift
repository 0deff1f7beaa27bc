/// Who may call a route.
public enum AccessRule: Sendable, Equatable {
    case open
    /// A token is checked if one is sent (a bad one is refused); without one the caller is anonymous.
    case optional
    case authenticated
    /// The caller needs at least one of these roles.
    case anyRole(Set<String>)
    /// An administrator, or a machine client granted this capability (``Scope``).
    case adminOrScope(String)
}

/// Access rules by `METHOD /route/template`, as Hummingbird reports the matched route. Routes not listed
/// need a valid token: forgetting a rule fails closed.
public struct AccessPolicy: Sendable {
    private var rules: [String: AccessRule]

    public init(_ rules: [String: AccessRule] = [:]) {
        self.rules = Self.operationalRoutes.merging(rules) { _, new in new }
    }

    /// HEAD follows the rule of GET, which the router answers it with.
    public func rule(method: String, route: String) -> AccessRule {
        rules["\(method == "HEAD" ? "GET" : method) \(route)"] ?? .authenticated
    }

    /// The same policy with more rules (shared routes such as the outbox admin pages).
    public func adding(_ extra: [String: AccessRule]) -> AccessPolicy {
        var copy = self
        copy.rules.merge(extra) { _, new in new }
        return copy
    }

    /// The same policy with these `METHOD /route` keys open.
    public func opening(_ keys: [String]) -> AccessPolicy {
        var copy = self
        for key in keys { copy.rules[key] = .open }
        return copy
    }

    /// Probes and scrapers do not carry tokens.
    static let operationalRoutes: [String: AccessRule] = [
        "GET /health/live": .open, "GET /health/ready": .open, "GET /metrics": .open, "GET /openapi.yaml": .open,
    ]
}
