import Foundation
import JWTKit

/// A key collection and the key ids it holds. jwt-kit falls back to its default key for an unknown `kid`,
/// so the verifier checks the id itself; that is also how it notices a rotation and refetches.
public struct VerificationKeys: Sendable {
    public let collection: JWTKeyCollection
    public let keyIDs: Set<String>

    public init(collection: JWTKeyCollection, keyIDs: Set<String>) {
        self.collection = collection
        self.keyIDs = keyIDs
    }

    /// ECDSA public keys by key id.
    public static func ecdsa(_ keys: [(kid: String, key: ES256PublicKey)]) async -> VerificationKeys {
        let collection = JWTKeyCollection()
        for (kid, key) in keys { await collection.add(ecdsa: key, kid: JWKIdentifier(string: kid)) }
        return VerificationKeys(collection: collection, keyIDs: Set(keys.map(\.kid)))
    }

    /// A JWKS document as published by the issuer.
    public static func jwks(_ json: String) async throws -> VerificationKeys {
        let set = try JSONDecoder().decode(JWKS.self, from: Data(json.utf8))
        let collection = try await JWTKeyCollection().add(jwks: set)
        return VerificationKeys(collection: collection, keyIDs: Set(set.keys.compactMap { $0.keyIdentifier?.string }))
    }
}

/// Where a verifier finds public keys, possibly refreshed when an unknown key id appears.
public protocol VerificationKeySource: Sendable {
    func keys() async throws -> VerificationKeys
    /// Called for a token whose `kid` is unknown; a remote source refetches (rate-limited).
    func refresh(forUnknownKeyID kid: String) async throws -> VerificationKeys
}

/// Keys known in-process (the issuer verifying its own tokens, and tests).
public struct LocalKeySource: VerificationKeySource {
    let verificationKeys: VerificationKeys
    public init(_ keys: VerificationKeys) { self.verificationKeys = keys }
    public func keys() async throws -> VerificationKeys { verificationKeys }
    public func refresh(forUnknownKeyID kid: String) async throws -> VerificationKeys { verificationKeys }
}
