#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The proxies (the gateway, an ingress) whose `X-Forwarded-For` is believed. Behind them the client's address
/// is the last one in the chain that is not one of them; from anyone else the header is ignored, so a client
/// cannot dodge per-address limits by sending one.
public struct TrustedProxies: Sendable, Equatable {
    struct Network: Sendable, Equatable {
        let address: [UInt8]
        let prefixLength: Int

        func contains(_ candidate: [UInt8]) -> Bool {
            guard candidate.count == address.count else { return false }
            var remaining = prefixLength
            for (a, b) in zip(address, candidate) where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if a & mask != b & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    let networks: [Network]

    public static let none = TrustedProxies(networks: [])
    public static let loopback = try! TrustedProxies(parsing: "127.0.0.0/8,::1")

    init(networks: [Network]) { self.networks = networks }

    /// A comma-separated list of addresses and CIDR networks: `127.0.0.1, 10.0.0.0/8, fd00::/8`.
    public init(parsing list: String) throws(TrustedProxiesError) {
        var networks: [Network] = []
        for entry in list.split(separator: ",") {
            let text = entry.filter { $0 != " " }
            guard !text.isEmpty else { continue }
            let parts = text.split(separator: "/", maxSplits: 1)
            guard let bytes = Self.bytes(of: String(parts[0])) else { throw TrustedProxiesError(entry: text) }
            let length = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let length, (0...(bytes.count * 8)).contains(length) else { throw TrustedProxiesError(entry: text) }
            networks.append(Network(address: bytes, prefixLength: length))
        }
        self.networks = networks
    }

    public func trusts(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address: `peer` itself unless it is a trusted proxy, in which case the chain in
    /// `X-Forwarded-For` is walked from the right past every trusted hop.
    public func clientAddress(peer: String?, forwardedFor: String?) -> String? {
        guard let peer, trusts(peer), let forwardedFor, !networks.isEmpty else { return peer }
        var client = peer
        for hop in forwardedFor.split(separator: ",").reversed() {
            let address = hop.filter { $0 != " " }
            guard Self.bytes(of: address) != nil else { break }
            client = address
            if !trusts(address) { break }
        }
        return client
    }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    static func bytes(of address: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, address, &buffer) == 1 { return Array(buffer.prefix(4)) }
        if inet_pton(AF_INET6, address, &buffer) == 1 { return buffer }
        return nil
    }
}

public struct TrustedProxiesError: Error, CustomStringConvertible {
    public let entry: String
    public var description: String { "'\(entry.prefix(60))' is not an IP address or CIDR network" }
}
