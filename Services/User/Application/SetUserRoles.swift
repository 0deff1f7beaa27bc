import TradewindKernel
import UserDomain

/// Admin: replaces a user's roles. An admin cannot remove their own admin role, so the system
/// always keeps at least the admin who is acting.
public struct SetUserRoles: Sendable {
    let users: any UserRepository
    let clock: any WallClock

    public init(users: any UserRepository, clock: any WallClock) {
        self.users = users
        self.clock = clock
    }

    public func execute(caller: Caller, userID: UserID, roles names: [String]) async throws -> User {
        try caller.require(.admin)
        let roles = try Role.parse(names)
        guard var user = try await users.user(withID: userID) else { throw UserError.userNotFound }
        if user.id.description == caller.subject, !roles.contains(.admin) {
            throw UserError.cannotModifySelf("an admin cannot remove their own admin role")
        }
        try user.assignRoles(roles, at: clock.now())
        if !user.events.isEmpty { try await users.save(user) }
        return user
    }
}
