import TradewindKernel
import UserDomain

/// Who is asking, as established by the verified access token.
public struct Caller: Sendable, Equatable {
    public let subject: String
    public let roles: Set<Role>

    public init(subject: String, roles: Set<Role>) {
        self.subject = subject
        self.roles = roles
    }

    /// The caller's own user id; fails for machine clients, which have no profile.
    public func userID() throws(UserError) -> UserID {
        guard let id = UserID(subject) else { throw .forbidden("this operation needs a signed-in user") }
        return id
    }

    public func require(_ role: Role) throws(UserError) {
        guard roles.contains(role) else { throw .forbidden("this operation needs the \(role.rawValue) role") }
    }
}
