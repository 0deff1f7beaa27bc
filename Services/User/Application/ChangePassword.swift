import TradewindKernel
import UserDomain

/// Changes the caller's password after checking the current one, and signs out every session
/// by revoking all of the user's refresh tokens.
public struct ChangePassword: Sendable {
    public struct Input: Sendable {
        public var currentPassword: String
        public var newPassword: String
        public init(currentPassword: String, newPassword: String) {
            self.currentPassword = currentPassword
            self.newPassword = newPassword
        }
    }

    let users: any UserRepository
    let tokens: any RefreshTokenRepository
    let hasher: any PasswordHasher
    let clock: any WallClock

    public init(users: any UserRepository, tokens: any RefreshTokenRepository, hasher: any PasswordHasher, clock: any WallClock) {
        self.users = users
        self.tokens = tokens
        self.hasher = hasher
        self.clock = clock
    }

    public func execute(caller: Caller, _ input: Input) async throws {
        let newPassword = try Password(input.newPassword)
        guard var user = try await users.user(withID: try caller.userID()) else { throw UserError.userNotFound }
        guard Password.isAcceptableLength(input.currentPassword),
              try await hasher.verify(input.currentPassword, against: user.passwordHash)
        else { throw UserError.invalidCredentials }
        let now = clock.now()
        user.changePassword(to: try await hasher.hash(newPassword.value), at: now)
        try await users.save(user)
        try await tokens.revokeAll(of: user.id, at: now)
    }
}
