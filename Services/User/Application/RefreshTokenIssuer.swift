import Foundation
import TradewindKernel
import UserDomain

/// Starts refresh-token families and rotates tokens within them.
public struct RefreshTokenIssuer: Sendable {
    public let lifetime: TimeInterval
    let tokens: any RefreshTokenRepository
    let generator: any OpaqueTokenGenerator
    let ids: any IdentifierGenerator

    public init(
        tokens: any RefreshTokenRepository, generator: any OpaqueTokenGenerator, ids: any IdentifierGenerator,
        lifetime: TimeInterval = 30 * 24 * 3600
    ) {
        self.tokens = tokens
        self.generator = generator
        self.ids = ids
        self.lifetime = lifetime
    }

    /// Issues a token in `familyID`, or in a new family when `nil`. Returns the plain token.
    func issue(for userID: UserID, family familyID: UUID? = nil, at now: Date) async throws -> String {
        let plain = generator.generate()
        let token = RefreshToken(
            id: ids.makeUUID(), familyID: familyID ?? ids.makeUUID(), userID: userID,
            tokenHash: generator.hash(plain), issuedAt: now, expiresAt: now.addingTimeInterval(lifetime)
        )
        try await tokens.add(token)
        return plain
    }
}
