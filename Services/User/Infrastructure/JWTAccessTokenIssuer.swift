import Foundation
import JWTKit
import TradewindKernel
import TradewindRuntime
import UserApplication
import UserDomain

/// Signs short-lived ES256 access tokens with the ring's current key.
public struct JWTAccessTokenIssuer: AccessTokenIssuer {
    let signer: JWTKeyCollection
    let keyID: String
    let issuer: String
    let audience: String
    let lifetime: TimeInterval
    let clock: any WallClock
    let ids: any IdentifierGenerator

    public init(keys: SigningKeyRing, issuer: String, audience: String, lifetime: TimeInterval = 900, clock: any WallClock, ids: any IdentifierGenerator) async {
        let signer = JWTKeyCollection()
        await signer.add(ecdsa: keys.current, kid: JWKIdentifier(string: keys.currentKeyID))
        self.signer = signer
        self.keyID = keys.currentKeyID
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
        self.clock = clock
        self.ids = ids
    }

    public func issue(subject: String, roles: Set<Role>, scopes: Set<String>) async throws -> IssuedAccessToken {
        let claims = AccessTokenClaims(
            subject: subject, issuer: issuer, audience: audience, roles: roles.map(\.rawValue).sorted(), scopes: scopes.sorted(),
            issuedAt: clock.now(), lifetime: lifetime, id: ids.makeUUID().lowercasedString
        )
        let token = try await signer.sign(claims, kid: JWKIdentifier(string: keyID))
        return IssuedAccessToken(token: token, expiresIn: Int(lifetime))
    }
}
