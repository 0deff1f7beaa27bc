import CartDomain
import Foundation
import TradewindKernel

/// The carts of several signed-in users, each as ``ViewCart`` shows it, read in one query and priced with one
/// question to the catalog: how the order service reads the carts of the orders placed at the same moment.
public struct ViewCartsOfUsers: Sendable {
    public static let maximumUsers = 100

    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    /// One view per user, in the order given.
    public func execute(users: [String]) async throws -> [CartView] {
        guard (1...Self.maximumUsers).contains(users.count) else {
            throw CartError.invalid("name 1 to \(Self.maximumUsers) users, not \(users.count)")
        }
        guard let malformed = users.firstIndex(where: { !Self.isWellFormedSubject($0) }) else {
            return try await access.views(try await access.load(users: users))
        }
        throw CartError.invalid("users[\(malformed)] must be 1 to 200 bytes long, without control characters")
    }

    /// What an access token's subject can be: no user has a cart under anything else.
    static func isWellFormedSubject(_ subject: String) -> Bool {
        (1...200).contains(subject.utf8.count) && !subject.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}
