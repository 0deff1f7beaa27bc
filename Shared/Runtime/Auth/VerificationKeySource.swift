import JWTKit

/// Where a verifier finds public keys: a key collection, possibly refreshed when an unknown key id appears.
public protocol VerificationKeySource: Sendable {
    func keys() async throws -> JWTKeyCollection
    /// Called once per token whose `kid` is unknown; a remote source refetches (rate-limited).
    func refresh(forUnknownKeyID kid: String) async throws -> JWTKeyCollection
}

/// Keys known in-process (the issuer verifying its own tokens, and tests).
public struct LocalKeySource: VerificationKeySource {
    let collection: JWTKeyCollection
    public init(_ collection: JWTKeyCollection) { self.collection = collection }
    public func keys() async throws -> JWTKeyCollection { collection }
    public func refresh(forUnknownKeyID kid: String) async throws -> JWTKeyCollection { collection }
}
