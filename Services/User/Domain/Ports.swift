import Foundation
import TradewindKernel

public protocol UserRepository: Sendable {
    /// Inserts a new user; throws ``UserError/emailAlreadyRegistered`` when the e-mail is taken.
    func add(_ user: User) async throws
    /// Saves a changed user if the stored version is still `user.version`, and increments it.
    /// Throws ``UserError/concurrentUpdate`` when it is not, ``UserError/userNotFound`` when the user is gone.
    func save(_ user: User) async throws
    func user(withID id: UserID) async throws -> User?
    func user(withEmail email: EmailAddress) async throws -> User?
    /// Users ordered by creation time then id.
    func list(_ request: PageRequest) async throws -> Page<User>
}

public protocol RefreshTokenRepository: Sendable {
    func add(_ token: RefreshToken) async throws
    func token(withHash hash: String) async throws -> RefreshToken?
    /// Marks the token rotated unless it already was; `false` when another request rotated it first.
    func markRotated(_ id: UUID, at date: Date) async throws -> Bool
    func revokeFamily(_ familyID: UUID, at date: Date) async throws
    func revokeAll(of userID: UserID, at date: Date) async throws
}

/// A machine client allowed to use the `client_credentials` grant.
public struct MachineClient: Sendable, Equatable {
    public let clientID: String
    public let secretHash: PasswordHash
    public let roles: Set<Role>
    /// The capabilities granted to the client (`stock:reserve`, `events:publish:order-service`, …).
    public let scopes: Set<String>

    public init(clientID: String, secretHash: PasswordHash, roles: Set<Role>, scopes: Set<String> = []) {
        self.clientID = clientID
        self.secretHash = secretHash
        self.roles = roles
        self.scopes = scopes
    }
}

public protocol MachineClientRepository: Sendable {
    func client(withID clientID: String) async throws -> MachineClient?
    /// Creates or replaces the client.
    func upsert(_ client: MachineClient) async throws
}

/// Hashes and checks passwords and client secrets. Implementations are slow on purpose.
public protocol PasswordHasher: Sendable {
    func hash(_ secret: String) async throws -> PasswordHash
    func verify(_ secret: String, against hash: PasswordHash) async throws -> Bool
}

/// A signed access token and how many seconds it lives.
public struct IssuedAccessToken: Sendable, Equatable {
    public let token: String
    public let expiresIn: Int
    public init(token: String, expiresIn: Int) {
        self.token = token
        self.expiresIn = expiresIn
    }
}

/// Signs access tokens for a subject (a user id or a client id) with its roles.
public protocol AccessTokenIssuer: Sendable {
    func issue(subject: String, roles: Set<Role>, scopes: Set<String>) async throws -> IssuedAccessToken
}

/// Makes unguessable opaque tokens (refresh tokens) and the one-way hash under which they are stored.
public protocol OpaqueTokenGenerator: Sendable {
    func generate() -> String
    func hash(_ token: String) -> String
}

/// Sign-in attempts by throttle key (an account, a client address), kept where every replica of the user service
/// sees them, so that a limit holds however many replicas an attacker's requests are spread over.
public protocol SignInAttemptLog: Sendable {
    /// Records one attempt under each key and answers, per key, the attempts within `window` before `now`
    /// (this one included) and the oldest of them. The attempt is written before it is counted, so of any number
    /// of concurrent attempts at most `limit` can see a count of `limit` or less.
    func record(_ attempt: SignInAttempt, keys: [String], window: TimeInterval) async throws -> [String: SignInAttemptCount]
    /// Forgets one attempt under the given keys (it succeeded, or it was refused before any check).
    func forget(_ attempt: SignInAttempt, keys: [String]) async throws
    /// Forgets every attempt under `key` (a successful sign-in clears the account's failures).
    func forgetAll(key: String) async throws
}

public struct SignInAttempt: Sendable, Equatable {
    public let id: String
    public let at: Date

    public init(id: String, at: Date) {
        self.id = id
        self.at = at
    }
}

public struct SignInAttemptCount: Sendable, Equatable {
    public let attempts: Int
    public let oldest: Date

    public init(attempts: Int, oldest: Date) {
        self.attempts = attempts
        self.oldest = oldest
    }
}

/// Bounds the deliberately slow password work (bcrypt) that requests nobody has authenticated yet can cause:
/// registrations and password or client-secret checks. Asked before any hashing, so a refusal costs nothing.
public protocol PasswordWorkBudget: Sendable {
    /// Takes one unit of work for `address`, or throws ``UserError/passwordWorkLimited(retryAfterSeconds:)``
    /// when that address, or the service as a whole, has spent its budget.
    func spend(address: String?) async throws
}
