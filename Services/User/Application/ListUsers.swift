import TradewindKernel
import UserDomain

/// Admin: every account, a page at a time in a stable order.
public struct ListUsers: Sendable {
    let users: any UserRepository

    public init(users: any UserRepository) { self.users = users }

    public func execute(caller: Caller, page: PageRequest) async throws -> Page<User> {
        try caller.require(.admin)
        if let cursor = page.cursor, KeysetCursor(encoded: cursor) == nil { throw UserError.invalidCursor }
        return try await users.list(page)
    }
}
