import Foundation

/// One refresh token of a rotation family. Only the hash of the token is stored.
/// Presenting a token rotates it (it gets a successor in the same family); presenting a rotated token again
/// means it leaked, and the whole family is revoked.
public struct RefreshToken: Sendable, Equatable {
    public let id: UUID
    public let familyID: UUID
    public let userID: UserID
    public let tokenHash: String
    public let issuedAt: Date
    public let expiresAt: Date
    public private(set) var rotatedAt: Date?
    public private(set) var revokedAt: Date?

    public init(
        id: UUID, familyID: UUID, userID: UserID, tokenHash: String, issuedAt: Date, expiresAt: Date,
        rotatedAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.familyID = familyID
        self.userID = userID
        self.tokenHash = tokenHash
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.rotatedAt = rotatedAt
        self.revokedAt = revokedAt
    }

    public enum Standing: Equatable, Sendable {
        case usable
        case expired
        case revoked
        /// Already exchanged for a successor: a replay.
        case reused
    }

    public func standing(at now: Date) -> Standing {
        if revokedAt != nil { return .revoked }
        if rotatedAt != nil { return .reused }
        if now >= expiresAt { return .expired }
        return .usable
    }
}
