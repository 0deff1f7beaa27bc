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

    public init(clientID: String, secretHash: PasswordHash, roles: Set<Role>) {
        self.clientID = clientID
        self.secretHash = secretHash
        self.roles = roles
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
    func issue(subject: String, roles: Set<Role>) async throws -> IssuedAccessToken
}

/// Makes unguessable opaque tokens (refresh tokens) and the one-way hash under which they are stored.
public protocol OpaqueTokenGenerator: Sendable {
    func generate() -> String
    func hash(_ token: String) -> String
}
