import TradewindKernel
import UserDomain

/// Changes what a user may change about themselves: for now, the display name.
public struct UpdateProfile: Sendable {
    public struct Input: Sendable {
        public var displayName: String?
        public init(displayName: String?) { self.displayName = displayName }
    }

    let users: any UserRepository
    let clock: any WallClock

    public init(users: any UserRepository, clock: any WallClock) {
        self.users = users
        self.clock = clock
    }

    public func execute(caller: Caller, _ input: Input) async throws -> User {
        let newName = try input.displayName.map { name throws(UserError) in try DisplayName(name) }
        guard var user = try await users.user(withID: try caller.userID()) else { throw UserError.userNotFound }
        if let newName { user.rename(to: newName, at: clock.now()) }
        if !user.events.isEmpty { try await users.save(user) }
        return user
    }
}
