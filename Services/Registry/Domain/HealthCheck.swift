import Foundation

/// One health check of a service instance, as Consul defines them: a TTL the service keeps alive itself, or an
/// HTTP or TCP probe the registry runs at an interval. Its status decides whether the instance is handed out.
public struct HealthCheck: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Critical unless the service reports within `ttl` (`/v1/agent/check/pass|warn|fail`).
        case ttl(Duration)
        /// The registry sends a request every `interval`: 2xx is passing, 429 warning, anything else critical.
        case http(HTTPProbe, interval: Duration)
        /// The registry opens a TCP connection every `interval`: connected is passing.
        case tcp(host: String, port: Int, interval: Duration)
    }

    public struct HTTPProbe: Sendable, Equatable {
        public var url: URL
        public var method: String
        public var headers: [String: [String]]
        public var body: String?
        public var skipsTLSVerification: Bool

        public init(url: URL, method: String = "GET", headers: [String: [String]] = [:], body: String? = nil, skipsTLSVerification: Bool = false) {
            self.url = url
            self.method = method
            self.headers = headers
            self.body = body
            self.skipsTLSVerification = skipsTLSVerification
        }
    }

    public let id: String
    public let name: String
    public let kind: Kind
    /// How long one probe may take (HTTP and TCP checks).
    public let timeout: Duration
    /// When set, an instance whose check stays critical this long is removed.
    public let deregisterCriticalAfter: Duration?
    public internal(set) var status: HealthStatus
    public internal(set) var output: String
    /// Since when the status has been what it is.
    public internal(set) var statusSince: Date
    /// The last report of a TTL check (its TTL counts from here).
    public internal(set) var lastReport: Date
    public internal(set) var modifyIndex: UInt64

    public static let minimumInterval: Duration = .seconds(1)

    /// Validates a check definition. `status` is where it starts: Consul starts checks critical unless told.
    public init(
        id: String, name: String, kind: Kind, timeout: Duration = .seconds(10), deregisterCriticalAfter: Duration? = nil,
        status: HealthStatus = .critical, registeredAt: Date
    ) throws(RegistryError) {
        guard Self.isIdentifier(id) else {
            throw .invalidRegistration("check id must be 1 to 128 visible ASCII characters without '/', got '\(id.prefix(70))'")
        }
        guard name.utf8.count <= 256 else { throw .invalidRegistration("check name must be at most 256 bytes") }
        switch kind {
        case .ttl(let ttl):
            guard ttl >= .seconds(1), ttl <= .seconds(86_400) else { throw .invalidRegistration("check TTL must be between 1s and 24h") }
        case .http(let probe, let interval):
            try Self.validate(interval: interval)
            guard ["http", "https"].contains(probe.url.scheme?.lowercased() ?? ""), probe.url.host?.isEmpty == false else {
                throw .invalidRegistration("HTTP check URL must be an http:// or https:// URL with a host")
            }
            guard ["GET", "HEAD", "POST", "PUT", "OPTIONS"].contains(probe.method) else {
                throw .invalidRegistration("HTTP check method must be GET, HEAD, POST, PUT or OPTIONS, got '\(probe.method.prefix(16))'")
            }
            guard probe.headers.count <= 32, (probe.body?.utf8.count ?? 0) <= 4096 else {
                throw .invalidRegistration("HTTP check may carry at most 32 headers and a body of 4096 bytes")
            }
        case .tcp(let host, let port, let interval):
            try Self.validate(interval: interval)
            guard !host.isEmpty, host.utf8.count <= 253, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
                throw .invalidRegistration("TCP check must name a host and port like 10.0.0.5:8080")
            }
            guard (1...65535).contains(port) else { throw .invalidRegistration("TCP check port must be in 1...65535, got \(port)") }
        }
        guard timeout > .zero, timeout <= .seconds(300) else { throw .invalidRegistration("check timeout must be above 0 and at most 5m") }
        if let deregisterCriticalAfter {
            guard deregisterCriticalAfter >= .seconds(1), deregisterCriticalAfter <= .seconds(7 * 86_400) else {
                throw .invalidRegistration("DeregisterCriticalServiceAfter must be between 1s and 168h")
            }
        }
        self.id = id
        self.name = name
        self.kind = kind
        self.timeout = timeout
        self.deregisterCriticalAfter = deregisterCriticalAfter
        self.status = status
        self.output = ""
        self.statusSince = registeredAt
        self.lastReport = registeredAt
        self.modifyIndex = 0
    }

    /// Consul calls them by what runs them.
    public var type: String {
        switch kind {
        case .ttl: "ttl"
        case .http: "http"
        case .tcp: "tcp"
        }
    }

    public var interval: Duration? {
        switch kind {
        case .ttl: nil
        case .http(_, let interval), .tcp(_, _, let interval): interval
        }
    }

    /// Whether two definitions are the same check (so re-registering keeps the status it has).
    public func hasSameDefinition(as other: HealthCheck) -> Bool {
        id == other.id && name == other.name && kind == other.kind && timeout == other.timeout
            && deregisterCriticalAfter == other.deregisterCriticalAfter
    }

    static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7F && $0 != "/" }
    }

    private static func validate(interval: Duration) throws(RegistryError) {
        guard interval >= minimumInterval, interval <= .seconds(86_400) else {
            throw .invalidRegistration("check interval must be between 1s and 24h")
        }
    }
}
