import Foundation

/// One running copy of a service, as it registered itself, with the checks that decide whether it is handed out.
public struct ServiceInstance: Sendable, Equatable {
    public let id: String
    public let service: String
    public let address: String
    public let port: Int
    public let tags: [String]
    public let metadata: [String: String]
    public internal(set) var checks: [HealthCheck]
    /// The catalog index at which this instance was first registered, and at which it last changed.
    public internal(set) var createIndex: UInt64
    public internal(set) var modifyIndex: UInt64

    public static let maximumChecks = 16

    /// Validates a registration. Names are DNS-label-like so they are safe in URLs, metrics and DNS.
    public init(
        id: String, service: String, address: String, port: Int, tags: [String] = [], metadata: [String: String] = [:],
        checks: [HealthCheck] = []
    ) throws(RegistryError) {
        guard Self.isName(service) else {
            throw .invalidRegistration("service name must be 1 to 63 lower-case letters, digits or '-', got '\(service.prefix(70))'")
        }
        guard HealthCheck.isIdentifier(id) else {
            throw .invalidRegistration("instance id must be 1 to 128 visible ASCII characters without '/'")
        }
        guard !address.isEmpty, address.utf8.count <= 253, !address.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw .invalidRegistration("address must be a host name or IP address")
        }
        guard (1...65535).contains(port) else { throw .invalidRegistration("port must be in 1...65535, got \(port)") }
        guard tags.count <= 32, tags.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 128 }) else {
            throw .invalidRegistration("at most 32 tags of 1 to 128 bytes")
        }
        guard metadata.count <= 64, metadata.allSatisfy({ !$0.key.isEmpty && $0.key.utf8.count <= 128 && $0.value.utf8.count <= 512 }) else {
            throw .invalidRegistration("at most 64 metadata entries with keys of 1 to 128 bytes and values up to 512 bytes")
        }
        guard checks.count <= Self.maximumChecks else { throw .invalidRegistration("at most \(Self.maximumChecks) checks per service") }
        guard Set(checks.map(\.id)).count == checks.count else { throw .invalidRegistration("check ids must be distinct") }
        self.id = id
        self.service = service
        self.address = address
        self.port = port
        self.tags = tags
        self.metadata = metadata
        self.checks = checks
        self.createIndex = 0
        self.modifyIndex = 0
    }

    /// As healthy as the worst check; passing without checks (Consul's rule).
    public var health: HealthStatus { checks.map(\.status).max() ?? .passing }

    public func hasSameListing(as other: ServiceInstance) -> Bool {
        service == other.service && address == other.address && port == other.port && tags == other.tags && metadata == other.metadata
            && checks.count == other.checks.count && zip(checks, other.checks).allSatisfy { $0.hasSameDefinition(as: $1) }
    }

    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63 && name.first != "-" && name.last != "-"
            && name.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
    }
}
