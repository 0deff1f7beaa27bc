import TradewindKernel
import UserDomain

/// Admin: locks an account. A locked user cannot sign in, and their refresh tokens are revoked at once.
public struct LockUser: Sendable {
    let users: any UserRepository
    let tokens: any RefreshTokenRepository
    let clock: any WallClock

    public init(users: any UserRepository, tokens: any RefreshTokenRepository, clock: any WallClock) {
        self.users = users
        self.tokens = tokens
        self.clock = clock
    }

    public func execute(caller: Caller, userID: UserID) async throws -> User {
        try caller.require(.admin)
        guard var user = try await users.user(withID: userID) else { throw UserError.userNotFound }
        if user.id.description == caller.subject { throw UserError.cannotModifySelf("an admin cannot lock their own account") }
        let now = clock.now()
        user.lock(at: now)
        if !user.events.isEmpty { try await users.save(user) }
        try await tokens.revokeAll(of: user.id, at: now)
        return user
    }
}
