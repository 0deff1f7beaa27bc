import UserDomain

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
