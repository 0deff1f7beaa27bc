#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
// On Linux the socket structures may be attributed to NIO's copy of the system headers.
#if canImport(CNIOLinux)
import CNIOLinux
#endif
import Synchronization

/// Ports on 127.0.0.1 that refuse connections, for "instance down" tests. Each is a socket bound but never
/// listening, kept open for the life of the test process, so no other test's server can take the port meanwhile
/// (a port that was bound and released can be handed to the next server that asks for port 0).
public enum DeadPorts {
    private static let held = Mutex<[Int32]>([])

    public static func reserve() throws -> Int {
        try reservePort(listening: false)
    }

    /// A port that takes connections (the kernel completes them) but never reads or answers: a peer that hangs.
    public static func reserveSilent() throws -> Int {
        try reservePort(listening: true)
    }

    private static func reservePort(listening: Bool) throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw DeadPortError() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0, !listening || listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw DeadPortError()
        }
        held.withLock { $0.append(descriptor) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct DeadPortError: Error {}
