import TradewindKernel
import UserDomain

/// Bootstraps an administrator from configuration (`ADMIN_EMAIL`/`ADMIN_PASSWORD`) or the CLI.
/// Creates the account. An existing account is left alone: an administrator stays as it is (its password is never
/// changed), and any other account is promoted only when the operator says so (`promotingExisting`), never because
/// configuration names its address: with open registration, whoever registered that address first is its owner.
public struct EnsureAdmin: Sendable {
    public enum Outcome: Equatable, Sendable {
        case created
        case promoted
        case alreadyAdmin
    }

    let users: any UserRepository
    let hasher: any PasswordHasher
    let clock: any WallClock
    let ids: any IdentifierGenerator

    public init(users: any UserRepository, hasher: any PasswordHasher, clock: any WallClock, ids: any IdentifierGenerator) {
        self.users = users
        self.hasher = hasher
        self.clock = clock
        self.ids = ids
    }

    public func execute(
        email rawEmail: String, password rawPassword: String, displayName: String = "Administrator", promotingExisting: Bool = false
    ) async throws -> Outcome {
        let email = try EmailAddress(rawEmail)
        if var existing = try await users.user(withEmail: email) {
            guard !existing.has(.admin) else { return .alreadyAdmin }
            guard promotingExisting else { throw UserError.emailAlreadyRegistered }
            try existing.assignRoles(existing.roles.union([.admin]), at: clock.now())
            try await users.save(existing)
            return .promoted
        }
        let password = try Password(rawPassword)
        let user = try User.register(
            id: UserID(rawValue: ids.makeUUID()), email: email, displayName: try DisplayName(displayName),
            passwordHash: try await hasher.hash(password.value), roles: [.admin], at: clock.now()
        )
        try await users.add(user)
        return .created
    }
}
