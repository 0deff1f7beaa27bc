import HTTPTypes
import TradewindRuntime
import UserDomain

/// Every ``UserError`` as an HTTP problem. The switch has no `default`, so a new error case does not compile
/// until someone decides its status.
public enum UserProblems {
    public static func map(_ error: any Error) -> Problem? {
        guard let error = error as? UserError else { return nil }
        switch error {
        case .invalidEmail(let detail), .invalidDisplayName(let detail), .weakPassword(let detail), .invalidRoles(let detail):
            return .validation(detail)
        case .invalidRequest(let detail):
            return .validation(detail)
        case .emailAlreadyRegistered:
            return Problem("email-taken", title: "E-mail already registered", status: .conflict, detail: "an account with this e-mail already exists")
        case .concurrentUpdate:
            return .conflict("the account was changed by another request; read it again and retry")
        case .userNotFound:
            return .notFound("no such user")
        case .invalidCredentials:
            return Problem("invalid-credentials", title: "Invalid credentials", status: .unauthorized, detail: "the password is wrong")
        case .accountLocked:
            return Problem("account-locked", title: "Account locked", status: .forbidden, detail: "the account is locked")
        case .tooManyAttempts(let seconds):
            return .tooManyRequests("too many failed sign-in attempts; try again later", retryAfterSeconds: seconds)
        case .passwordWorkLimited(let seconds):
            return .tooManyRequests("too many password checks and registrations are being asked for; try again later", retryAfterSeconds: seconds)
        case .invalidRefreshToken, .refreshTokenReused, .invalidClient:
            return .unauthorized("the credentials are not valid")
        case .unsupportedGrantType(let grant):
            return .badRequest("unsupported grant type '\(grant)'")
        case .forbidden(let detail):
            return .forbidden(detail)
        case .cannotModifySelf(let detail):
            return Problem("cannot-modify-self", title: "Not allowed on your own account", status: .conflict, detail: detail)
        case .invalidCursor:
            return .validation("cursor is not a value this service returned")
        }
    }
}
