import Crypto
import Foundation
import JWTKit
import TradewindKernel
import TradewindRuntime

/// The issuer's ES256 keys: the current private key that signs, and earlier public keys that still verify
/// tokens signed before a rotation. Key ids are RFC 7638 thumbprints, so they are stable across restarts.
public struct SigningKeyRing: Sendable {
    public struct PublicKey: Sendable {
        public let kid: String
        public let key: ES256PublicKey
    }

    public let current: ES256PrivateKey
    public let currentKeyID: String
    public let previous: [PublicKey]

    public init(current: ES256PrivateKey, previous: [ES256PublicKey] = []) throws {
        self.current = current
        self.currentKeyID = try Self.thumbprint(of: current.publicKey)
        let currentKeyID = self.currentKeyID
        self.previous = try previous.map { PublicKey(kid: try Self.thumbprint(of: $0), key: $0) }.filter { $0.kid != currentKeyID }
    }

    /// Every public key, current first.
    public var publicKeys: [PublicKey] { [PublicKey(kid: currentKeyID, key: current.publicKey)] + previous }

    /// A collection that verifies tokens signed by any key of the ring.
    public func verificationKeys() async -> VerificationKeys {
        await .ecdsa(publicKeys.map { ($0.kid, $0.key) })
    }

    /// `/.well-known/jwks.json`.
    public func jwksDocument() throws -> Data {
        struct Key: Encodable { let kty = "EC", crv = "P-256", use = "sig", alg = "ES256"; let kid: String, x: String, y: String }
        struct Document: Encodable { let keys: [Key] }
        let keys = try publicKeys.map { entry in
            guard let (x, y) = entry.key.parameters else { throw KeyRingError("public key has no coordinates") }
            return Key(kid: entry.kid, x: x, y: y)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Document(keys: keys))
    }

    /// RFC 7638: SHA-256 over the canonical JSON of the key's required members, base64url.
    static func thumbprint(of key: ES256PublicKey) throws -> String {
        guard let (x, y) = key.parameters else { throw KeyRingError("public key has no coordinates") }
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        return Data(SHA256.hash(data: Data(canonical.utf8))).base64URLEncodedString()
    }
}

public struct KeyRingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
