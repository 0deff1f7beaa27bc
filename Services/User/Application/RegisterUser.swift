import TradewindKernel
import UserDomain

/// Self-registration of a customer account.
public struct RegisterUser: Sendable {
    public struct Input: Sendable {
        public var email: String
        public var displayName: String
        public var password: String
        public var clientAddress: String?
        public init(email: String, displayName: String, password: String, clientAddress: String? = nil) {
            self.email = email
            self.displayName = displayName
            self.password = password
            self.clientAddress = clientAddress
        }
    }

    let users: any UserRepository
    let hasher: any PasswordHasher
    let clock: any WallClock
    let ids: any IdentifierGenerator
    let budget: any PasswordWorkBudget

    public init(users: any UserRepository, hasher: any PasswordHasher, budget: any PasswordWorkBudget, clock: any WallClock, ids: any IdentifierGenerator) {
        self.users = users
        self.hasher = hasher
        self.budget = budget
        self.clock = clock
        self.ids = ids
    }

    public func execute(_ input: Input) async throws -> User {
        let email = try EmailAddress(input.email)
        let name = try DisplayName(input.displayName)
        let password = try Password(input.password)
        if try await users.user(withEmail: email) != nil { throw UserError.emailAlreadyRegistered }
        try await budget.spend(address: input.clientAddress)
        let hash = try await hasher.hash(password.value)
        let user = try User.register(
            id: UserID(rawValue: ids.makeUUID()), email: email, displayName: name, passwordHash: hash, at: clock.now()
        )
        // The repository enforces uniqueness too: two registrations racing past the check above fail there.
        try await users.add(user)
        return user
    }
}
