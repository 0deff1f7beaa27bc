import TradewindKernel
import UserDomain

extension Caller {
    public init(subject: String, roles: Set<Role>) {
        self.init(subject: subject, roles: Set(roles.map(\.rawValue)))
    }

    /// The caller's own user id; fails for machine clients and anonymous callers, which have no profile.
    public func userID() throws(UserError) -> UserID {
        guard let subject, let id = UserID(subject) else { throw .forbidden("this operation needs a signed-in user") }
        return id
    }

    public func require(_ role: Role) throws(UserError) {
        guard has(role: role.rawValue) else { throw .forbidden("this operation needs the \(role.rawValue) role") }
    }
}
