/// Everything that can go wrong in the identity context, with no knowledge of HTTP.
public enum UserError: Error, Equatable, Sendable {
    case invalidEmail(String)
    case invalidDisplayName(String)
    case weakPassword(String)
    case invalidRoles(String)
    case emailAlreadyRegistered
    /// Someone else changed the user between this request's read and write.
    case concurrentUpdate
    case userNotFound
    /// Wrong password or unknown account: deliberately the same case, so callers cannot tell them apart.
    case invalidCredentials
    case accountLocked
    case tooManyAttempts(retryAfterSeconds: Int)
    /// Too much password hashing asked for by one address or by everyone at once (see ``PasswordWorkBudget``).
    case passwordWorkLimited(retryAfterSeconds: Int)
    case invalidRefreshToken
    /// An already rotated refresh token was presented again; its whole family has been revoked.
    case refreshTokenReused
    case invalidClient
    case unsupportedGrantType(String)
    case invalidRequest(String)
    case forbidden(String)
    case cannotModifySelf(String)
    case invalidCursor
}
