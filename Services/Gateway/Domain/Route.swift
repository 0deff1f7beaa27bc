/// Who may use a route at the edge.
public enum RouteAccess: Sendable, Equatable {
    /// Anyone; a token, if sent, is forwarded unchecked (the service decides).
    case `public`
    /// A valid access token.
    case authenticated
    /// A valid access token carrying at least one of these roles.
    case anyRole(Set<String>)
}

/// What a route's token buckets are keyed by.
public enum RateLimitKey: String, Sendable, Equatable, CaseIterable {
    /// The token's subject; anonymous callers fall back to their address.
    case subject
    case clientAddress = "client-address"
}

public struct RouteRateLimit: Sendable, Equatable {
    public let perSecond: Double
    public let burst: Int
    public let key: RateLimitKey

    public init(perSecond: Double, burst: Int, key: RateLimitKey) throws(RouteTableError) {
        guard perSecond > 0, perSecond.isFinite else { throw .invalid("rate limit perSecond must be a positive number") }
        guard burst >= 1 else { throw .invalid("rate limit burst must be at least 1") }
        self.perSecond = perSecond
        self.burst = burst
        self.key = key
    }
}

/// One entry of the gateway's route table: requests under `prefix` go to `service`, with `prefix` replaced by
/// `rewrite` (`/api/users/me` → `/users/me`).
public struct Route: Sendable, Equatable {
    public let name: String
    public let prefix: String
    public let service: String
    public let rewrite: String
    public let access: RouteAccess
    public let rateLimit: RouteRateLimit?
    public let timeoutMilliseconds: Int
    public let maximumBodyBytes: Int

    public static let maximumTimeoutMilliseconds = 300_000

    public init(
        name: String, prefix: String, service: String, rewrite: String, access: RouteAccess, rateLimit: RouteRateLimit? = nil,
        timeoutMilliseconds: Int = 10_000, maximumBodyBytes: Int = 1 << 20
    ) throws(RouteTableError) {
        guard !name.isEmpty, name.utf8.count <= 64 else { throw .invalid("a route needs a name of 1 to 64 characters") }
        guard Self.isPathPrefix(prefix) else {
            throw .invalid("route '\(name)': prefix '\(prefix)' must start with '/' and not end with '/'")
        }
        guard Self.isPathPrefix(rewrite) || rewrite.isEmpty else {
            throw .invalid("route '\(name)': rewrite '\(rewrite)' must be empty or start with '/' and not end with '/'")
        }
        guard !service.isEmpty, service.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw .invalid("route '\(name)': service '\(service)' must be a plain service name")
        }
        if case .anyRole(let roles) = access, roles.isEmpty { throw .invalid("route '\(name)': a role rule needs at least one role") }
        guard (1...Self.maximumTimeoutMilliseconds).contains(timeoutMilliseconds) else {
            throw .invalid("route '\(name)': timeoutMs must be between 1 and \(Self.maximumTimeoutMilliseconds)")
        }
        guard maximumBodyBytes >= 0 else { throw .invalid("route '\(name)': maxBodyBytes must not be negative") }
        self.name = name
        self.prefix = prefix
        self.service = service
        self.rewrite = rewrite
        self.access = access
        self.rateLimit = rateLimit
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Whether `path` is this route's prefix or lies below it (`/api/users` serves `/api/users/me`, not `/api/usersx`).
    public func serves(_ path: String) -> Bool {
        guard path.hasPrefix(prefix) else { return false }
        let rest = path.utf8.dropFirst(prefix.utf8.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "/") || prefix == "/"
    }

    /// The upstream path for a path this route serves.
    public func upstreamPath(for path: String) -> String {
        let rest = String(path.utf8.dropFirst(prefix == "/" ? 0 : prefix.utf8.count)) ?? ""
        let rewritten = rewrite + rest
        return rewritten.isEmpty ? "/" : rewritten
    }

    /// Whether a caller with these roles (or none, when anonymous) may pass.
    public func admits(roles: Set<String>?) -> Bool {
        switch access {
        case .public: true
        case .authenticated: roles != nil
        case .anyRole(let required): !(roles ?? []).isDisjoint(with: required)
        }
    }

    static func isPathPrefix(_ candidate: String) -> Bool {
        candidate == "/" || (candidate.hasPrefix("/") && !candidate.hasSuffix("/") && !candidate.contains("//")
            && candidate.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") })
    }
}
