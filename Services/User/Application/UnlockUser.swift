import TradewindKernel
import UserDomain

/// Admin: unlocks an account so that its owner can sign in again.
public struct UnlockUser: Sendable {
    let users: any UserRepository
    let clock: any WallClock

    public init(users: any UserRepository, clock: any WallClock) {
        self.users = users
        self.clock = clock
    }

    public func execute(caller: Caller, userID: UserID) async throws -> User {
        try caller.require(.admin)
        guard var user = try await users.user(withID: userID) else { throw UserError.userNotFound }
        user.unlock(at: clock.now())
        if !user.events.isEmpty { try await users.save(user) }
        return user
    }
}
