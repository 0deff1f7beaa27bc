import Foundation
import JWTKit

/// The claims of a Tradewind access token. The user service signs them; every service verifies them.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var nbf: NotBeforeClaim
    public var iat: IssuedAtClaim
    public var jti: IDClaim
    public var roles: [String]
    /// What a machine client may do (RFC 9068 `scope`, space-separated); absent in users' tokens.
    public var scope: String?

    /// Times are whole seconds, as most JWT libraries expect NumericDate values.
    public init(subject: String, issuer: String, audience: String, roles: [String], scopes: [String] = [], issuedAt: Date, lifetime: TimeInterval, id: String) {
        let issuedAt = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down))
        self.sub = SubjectClaim(value: subject)
        self.iss = IssuerClaim(value: issuer)
        self.aud = AudienceClaim(value: [audience])
        self.exp = ExpirationClaim(value: issuedAt.addingTimeInterval(lifetime))
        self.nbf = NotBeforeClaim(value: issuedAt)
        self.iat = IssuedAtClaim(value: issuedAt)
        self.jti = IDClaim(value: id)
        self.roles = roles
        self.scope = scopes.isEmpty ? nil : scopes.joined(separator: " ")
    }

    public var expires: Date { exp.value }

    public var scopes: Set<String> { Set((scope ?? "").split(separator: " ").map(String.init)) }

    /// Time-based and audience checks need the injected clock and configuration, so
    /// ``AccessTokenVerifier`` makes them after the signature has been checked.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
