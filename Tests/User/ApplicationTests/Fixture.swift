import Foundation
import Synchronization
import TradewindKernel
import TradewindTesting
import UserApplication
import UserDomain
import UserInfrastructure

/// Reversible "hashing" that counts calls, so tests run fast and can check that work was done.
final class PlainHasher: PasswordHasher {
    let verifications = Mutex(0)
    func hash(_ secret: String) async throws -> PasswordHash { PasswordHash("plain:" + secret) }
    func verify(_ secret: String, against hash: PasswordHash) async throws -> Bool {
        verifications.withLock { $0 += 1 }
        return hash.value == "plain:" + secret
    }
}

/// Access tokens that spell out what they were issued for.
struct LabelIssuer: AccessTokenIssuer {
    func issue(subject: String, roles: Set<Role>, scopes: Set<String>) async throws -> IssuedAccessToken {
        let label = "access:\(subject):\(roles.map(\.rawValue).sorted().joined(separator: ","))"
        return IssuedAccessToken(token: scopes.isEmpty ? label : "\(label):\(scopes.sorted().joined(separator: " "))", expiresIn: 900)
    }
}

/// The user application wired to in-memory repositories and a controllable clock.
struct Fixture {
    let clock = TestClock()
    let ids = SequentialIdentifiers()
    let users = InMemoryUserRepository()
    let tokens = InMemoryRefreshTokenRepository()
    let clients = InMemoryMachineClientRepository()
    let hasher = PlainHasher()
    let generator = RandomOpaqueTokenGenerator()
    let attempts = InMemorySignInAttemptLog()
    let throttle: LoginThrottle
    let budget: any PasswordWorkBudget
    let decoy = PasswordHash("plain:decoy-never-matches")

    init(throttlePolicy: LoginThrottle.Policy = .init(), budget: any PasswordWorkBudget = UnlimitedPasswordWorkBudget()) {
        throttle = LoginThrottle(policy: throttlePolicy, attempts: attempts, clock: clock, ids: ids)
        self.budget = budget
    }

    var register: RegisterUser { RegisterUser(users: users, hasher: hasher, budget: budget, clock: clock, ids: ids) }
    var refreshIssuer: RefreshTokenIssuer { RefreshTokenIssuer(tokens: tokens, generator: generator, ids: ids, lifetime: 3600) }
    var authenticate: AuthenticateWithPassword {
        AuthenticateWithPassword(users: users, hasher: hasher, budget: budget, accessTokens: LabelIssuer(), refreshTokens: refreshIssuer, throttle: throttle, clock: clock, decoyHash: decoy)
    }
    var refresh: RefreshAccessToken {
        RefreshAccessToken(users: users, tokens: tokens, generator: generator, accessTokens: LabelIssuer(), refreshTokens: refreshIssuer, clock: clock)
    }

    @discardableResult
    func registerAnn(password: String = "correct horse") async throws -> User {
        try await register.execute(.init(email: "ann@example.com", displayName: "Ann", password: password))
    }

    func signIn(_ email: String = "ann@example.com", _ password: String = "correct horse", from address: String? = "10.0.0.1") async throws -> TokenGrant {
        try await authenticate.execute(.init(email: email, password: password, clientAddress: address))
    }

    func makeAdmin() async throws -> Caller {
        let admin = try await register.execute(.init(email: "root@example.com", displayName: "Root", password: "admin password"))
        var promoted = admin
        try promoted.assignRoles([.admin], at: clock.now())
        try await users.save(promoted)
        return Caller(subject: admin.id.description, roles: [.admin])
    }
}
