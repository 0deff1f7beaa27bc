import Foundation
import RegistryDomain

/// The body of `PUT /v1/agent/service/register`, with Consul's fields (keys in any case, see ``ConsulJSON``).
struct AgentServiceRegistration: Decodable {
    var id: String?
    var name: String?
    var address: String?
    var port: Int?
    var tags: [String]?
    var meta: [String: String]?
    var kind: String?
    var check: AgentServiceCheck?
    var checks: [AgentServiceCheck]?

    enum CodingKeys: String, CodingKey {
        case id, name, address, port, tags, meta, kind, check, checks
    }

    /// The instance this asks for. `defaultAddress` stands in for a missing `Address` (Consul uses its node's).
    func instance(defaultAddress: String, at now: Date) throws -> ServiceInstance {
        guard let name, !name.isEmpty else { throw RegistrationProblem("Name is required") }
        if let kind, !kind.isEmpty { throw RegistrationProblem("Kind '\(kind.prefix(40))' is not supported: the registry holds plain services only") }
        let id = self.id.flatMap { $0.isEmpty ? nil : $0 } ?? name
        guard let port else { throw RegistrationProblem("Port is required") }
        let address = self.address.flatMap { $0.isEmpty ? nil : $0 } ?? defaultAddress
        // The service itself first, so that a bad name is reported as such rather than through the check ids made from it.
        _ = try ServiceInstance(id: id, service: name, address: address, port: port, tags: tags ?? [], metadata: meta ?? [:])
        let definitions = (check.map { [$0] } ?? []) + (checks ?? [])
        let numbered = definitions.count > 1
        let checks = try definitions.enumerated().map { offset, definition in
            try definition.healthCheck(
                defaultID: numbered ? "service:\(id):\(offset + 1)" : "service:\(id)",
                defaultName: "Service '\(name)' check", at: now
            )
        }
        return try ServiceInstance(id: id, service: name, address: address, port: port, tags: tags ?? [], metadata: meta ?? [:], checks: checks)
    }
}

/// One check of a registration: `Check`, an element of `Checks`, as Consul's `AgentServiceCheck`.
struct AgentServiceCheck: Decodable {
    var checkID: String?
    var name: String?
    var ttl: String?
    var http: String?
    var method: String?
    var header: [String: [String]]?
    var body: String?
    var tcp: String?
    var interval: String?
    var timeout: String?
    var deregisterCriticalServiceAfter: String?
    var status: String?
    var tlsSkipVerify: Bool?
    // Kinds the registry does not run; named so that they are refused rather than silently ignored.
    var args: [String]?
    var script: String?
    var grpc: String?
    var dockerContainerID: String?
    var h2ping: String?
    var udp: String?
    var aliasService: String?
    var osService: String?

    enum CodingKeys: String, CodingKey {
        case checkID = "checkid", name, ttl, http, method, header, body, tcp, interval, timeout
        case deregisterCriticalServiceAfter = "deregistercriticalserviceafter", status, tlsSkipVerify = "tlsskipverify"
        case args, script, grpc, dockerContainerID = "dockercontainerid", h2ping, udp, aliasService = "aliasservice", osService = "osservice"
    }

    func healthCheck(defaultID: String, defaultName: String, at now: Date) throws -> HealthCheck {
        let unsupported: [(String, Bool)] = [
            ("Args/Script", args != nil || script != nil), ("GRPC", grpc != nil), ("DockerContainerID", dockerContainerID != nil),
            ("H2PING", h2ping != nil), ("UDP", udp != nil), ("AliasService", aliasService != nil), ("OSService", osService != nil),
        ]
        if let (field, _) = unsupported.first(where: \.1) {
            throw RegistrationProblem("\(field) checks are not supported: the registry runs HTTP and TCP checks and takes TTL reports")
        }
        let kinds = [ttl, http, tcp].compactMap { $0 }
        guard kinds.count == 1 else {
            throw RegistrationProblem(kinds.isEmpty ? "a check needs one of TTL, HTTP or TCP" : "a check has exactly one of TTL, HTTP or TCP")
        }
        let kind: HealthCheck.Kind
        if let ttl {
            kind = .ttl(try Self.duration(ttl, "TTL"))
        } else {
            guard let intervalText = interval else { throw RegistrationProblem("Interval is required for HTTP and TCP checks") }
            let interval = try Self.duration(intervalText, "Interval")
            if let http {
                guard let url = URL(string: http), url.host != nil else { throw RegistrationProblem("HTTP '\(http.prefix(80))' is not a URL") }
                let probe = HealthCheck.HTTPProbe(
                    url: url, method: method.flatMap { $0.isEmpty ? nil : $0.uppercased() } ?? "GET", headers: header ?? [:], body: body,
                    skipsTLSVerification: tlsSkipVerify ?? false
                )
                kind = .http(probe, interval: interval)
            } else {
                let (host, port) = try Self.hostAndPort(tcp ?? "")
                kind = .tcp(host: host, port: port, interval: interval)
            }
        }
        let initial: HealthStatus
        if let status, !status.isEmpty {
            guard let parsed = HealthStatus(rawValue: status) else { throw RegistrationProblem("Status must be passing, warning or critical") }
            initial = parsed
        } else {
            initial = .critical
        }
        return try HealthCheck(
            id: checkID.flatMap { $0.isEmpty ? nil : $0 } ?? defaultID, name: name.flatMap { $0.isEmpty ? nil : $0 } ?? defaultName,
            kind: kind, timeout: try timeout.map { try Self.duration($0, "Timeout") } ?? .seconds(10),
            deregisterCriticalAfter: try deregisterCriticalServiceAfter.flatMap { $0.isEmpty ? nil : try Self.duration($0, "DeregisterCriticalServiceAfter") },
            status: initial, registeredAt: now
        )
    }

    static func duration(_ text: String, _ field: String) throws -> Duration {
        guard let duration = ConsulDuration.parse(text) else { throw RegistrationProblem("\(field) '\(text.prefix(32))' is not a duration like 10s") }
        return duration
    }

    /// `host:port`, `[v6]:port`.
    static func hostAndPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw RegistrationProblem("TCP '\(text.prefix(80))' must be host:port")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

/// A registration the registry cannot accept, said in Consul's field names.
struct RegistrationProblem: Error {
    let detail: String
    init(_ detail: String) { self.detail = detail }
}
