import TradewindKernel
import UserDomain

/// The OAuth2 `refresh_token` grant with rotation: each refresh token works once. Presenting a rotated token
/// again revokes its whole family, so a stolen token stops working for the thief and the owner alike.
public struct RefreshAccessToken: Sendable {
    let users: any UserRepository
    let tokens: any RefreshTokenRepository
    let generator: any OpaqueTokenGenerator
    let accessTokens: any AccessTokenIssuer
    let refreshTokens: RefreshTokenIssuer
    let clock: any WallClock

    public init(
        users: any UserRepository, tokens: any RefreshTokenRepository, generator: any OpaqueTokenGenerator,
        accessTokens: any AccessTokenIssuer, refreshTokens: RefreshTokenIssuer, clock: any WallClock
    ) {
        self.users = users
        self.tokens = tokens
        self.generator = generator
        self.accessTokens = accessTokens
        self.refreshTokens = refreshTokens
        self.clock = clock
    }

    public func execute(refreshToken: String) async throws -> TokenGrant {
        let now = clock.now()
        guard !refreshToken.isEmpty, refreshToken.utf8.count <= 512,
              let stored = try await tokens.token(withHash: generator.hash(refreshToken))
        else { throw UserError.invalidRefreshToken }
        switch stored.standing(at: now) {
        case .usable:
            break
        case .expired, .revoked:
            throw UserError.invalidRefreshToken
        case .reused:
            try await tokens.revokeFamily(stored.familyID, at: now)
            throw UserError.refreshTokenReused
        }
        // Two requests racing with the same token: only one wins the rotation; the other is a replay.
        guard try await tokens.markRotated(stored.id, at: now) else {
            try await tokens.revokeFamily(stored.familyID, at: now)
            throw UserError.refreshTokenReused
        }
        guard let user = try await users.user(withID: stored.userID) else { throw UserError.invalidRefreshToken }
        do {
            try user.ensureCanSignIn()
        } catch {
            try await tokens.revokeFamily(stored.familyID, at: now)
            throw error
        }
        let access = try await accessTokens.issue(subject: user.id.description, roles: user.roles, scopes: [])
        let successor = try await refreshTokens.issue(for: user.id, family: stored.familyID, at: now)
        return TokenGrant(accessToken: access.token, expiresIn: access.expiresIn, refreshToken: successor)
    }
}
