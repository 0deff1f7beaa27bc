import TradewindKernel
import UserDomain

/// Logout (RFC 7009): revokes the presented refresh token's whole family. Unknown tokens are not an error,
/// so the endpoint reveals nothing about which tokens exist.
public struct RevokeRefreshToken: Sendable {
    let tokens: any RefreshTokenRepository
    let generator: any OpaqueTokenGenerator
    let clock: any WallClock

    public init(tokens: any RefreshTokenRepository, generator: any OpaqueTokenGenerator, clock: any WallClock) {
        self.tokens = tokens
        self.generator = generator
        self.clock = clock
    }

    public func execute(token: String) async throws {
        guard !token.isEmpty, token.utf8.count <= 512,
              let stored = try await tokens.token(withHash: generator.hash(token))
        else { return }
        try await tokens.revokeFamily(stored.familyID, at: clock.now())
    }
}
