import TradewindKernel
import UserDomain

/// The OAuth2 `password` grant: checks e-mail and password and starts a refresh-token family.
/// An unknown e-mail costs the same work as a wrong password, and both fail with the same error.
public struct AuthenticateWithPassword: Sendable {
    public struct Input: Sendable {
        public var email: String
        public var password: String
        public var clientAddress: String?
        public init(email: String, password: String, clientAddress: String?) {
            self.email = email
            self.password = password
            self.clientAddress = clientAddress
        }
    }

    let users: any UserRepository
    let hasher: any PasswordHasher
    let budget: any PasswordWorkBudget
    let accessTokens: any AccessTokenIssuer
    let refreshTokens: RefreshTokenIssuer
    let throttle: LoginThrottle
    let clock: any WallClock
    /// A real hash of a random secret, checked when the account does not exist so that timing matches.
    let decoyHash: PasswordHash

    public init(
        users: any UserRepository, hasher: any PasswordHasher, budget: any PasswordWorkBudget, accessTokens: any AccessTokenIssuer,
        refreshTokens: RefreshTokenIssuer, throttle: LoginThrottle, clock: any WallClock, decoyHash: PasswordHash
    ) {
        self.users = users
        self.hasher = hasher
        self.budget = budget
        self.accessTokens = accessTokens
        self.refreshTokens = refreshTokens
        self.throttle = throttle
        self.clock = clock
        self.decoyHash = decoyHash
    }

    public func execute(_ input: Input) async throws -> TokenGrant {
        try await budget.spend(address: input.clientAddress)
        let ticket = try await throttle.admit(email: input.email, address: input.clientAddress)
        guard let email = try? EmailAddress(input.email), Password.isAcceptableLength(input.password) else {
            _ = try await hasher.verify(input.password.isEmpty ? "-" : input.password, against: decoyHash)
            throw UserError.invalidCredentials
        }
        let user = try await users.user(withEmail: email)
        let matches = try await hasher.verify(input.password, against: user?.passwordHash ?? decoyHash)
        guard let user, matches else { throw UserError.invalidCredentials }
        try user.ensureCanSignIn()
        try await throttle.succeeded(ticket)
        let access = try await accessTokens.issue(subject: user.id.description, roles: user.roles, scopes: [])
        let refresh = try await refreshTokens.issue(for: user.id, at: clock.now())
        return TokenGrant(accessToken: access.token, expiresIn: access.expiresIn, refreshToken: refresh)
    }
}

extension Password {
    /// Whether a presented password could possibly be valid; longer input is not worth hashing.
    static func isAcceptableLength(_ raw: String) -> Bool {
        !raw.isEmpty && raw.utf8.count <= maximumBytes
    }
}
