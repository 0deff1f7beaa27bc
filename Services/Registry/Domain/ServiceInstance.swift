import Foundation

/// One running copy of a service, as it registered itself, and the health its TTL check gives it.
public struct ServiceInstance: Sendable, Equatable {
    public enum Health: String, Sendable, Equatable {
        case passing
        /// Missed its TTL: not returned as healthy, removed after the grace period.
        case critical
    }

    public let id: String
    public let service: String
    public let address: String
    public let port: Int
    public let tags: [String]
    public let metadata: [String: String]
    /// How long a heartbeat keeps the instance passing.
    public let ttl: Duration
    /// How long a critical instance stays listed before it is removed.
    public let removeAfterCritical: Duration
    public internal(set) var health: Health
    public internal(set) var lastHeartbeat: Date
    /// The catalog index at which this instance last changed.
    public internal(set) var modifyIndex: UInt64

    /// Validates a registration. Names are DNS-label-like so they are safe in URLs, metrics and DNS.
    public init(
        id: String, service: String, address: String, port: Int, tags: [String] = [], metadata: [String: String] = [:],
        ttl: Duration, removeAfterCritical: Duration, registeredAt: Date
    ) throws(RegistryError) {
        guard Self.isName(service) else {
            throw .invalidRegistration("service name must be 1 to 63 lower-case letters, digits or '-', got '\(service.prefix(70))'")
        }
        guard !id.isEmpty, id.utf8.count <= 128, id.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "/" }) else {
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
        guard ttl >= .seconds(1), ttl <= .seconds(3600) else { throw .invalidRegistration("check TTL must be between 1 s and 1 h") }
        guard removeAfterCritical >= ttl, removeAfterCritical <= .seconds(86_400) else {
            throw .invalidRegistration("deregister-after must be at least the TTL and at most 24 h")
        }
        self.id = id
        self.service = service
        self.address = address
        self.port = port
        self.tags = tags
        self.metadata = metadata
        self.ttl = ttl
        self.removeAfterCritical = removeAfterCritical
        self.health = .passing
        self.lastHeartbeat = registeredAt
        self.modifyIndex = 0
    }

    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63 && name.first != "-" && name.last != "-"
            && name.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
    }
}
