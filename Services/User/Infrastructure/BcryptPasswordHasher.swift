import HummingbirdBcrypt
import NIOPosix
import UserApplication
import UserDomain

/// bcrypt on NIO's blocking thread pool, so hashing never stalls an event loop.
public struct BcryptPasswordHasher: PasswordHasher {
    public let cost: UInt8

    /// Cost 12 takes ~250 ms on a server core; tests use the minimum (4).
    public init(cost: UInt8 = 12) {
        precondition((4...31).contains(cost), "bcrypt cost must be 4...31")
        self.cost = cost
    }

    public func hash(_ secret: String) async throws -> PasswordHash {
        let cost = self.cost
        return PasswordHash(try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(secret, cost: cost) })
    }

    public func verify(_ secret: String, against hash: PasswordHash) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(secret, hash: hash.value) }
    }
}
