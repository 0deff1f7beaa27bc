import TradewindKernel
import UserDomain

/// The signed-in user's own account.
public struct GetProfile: Sendable {
    let users: any UserRepository

    public init(users: any UserRepository) { self.users = users }

    public func execute(caller: Caller) async throws -> User {
        guard let user = try await users.user(withID: try caller.userID()) else { throw UserError.userNotFound }
        return user
    }
}
