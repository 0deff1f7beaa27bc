import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging

/// Verifies the bearer token of every route that needs one, applies the route's role rule,
/// and makes the caller available to handlers as ``Principal/current``.
public struct AuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    let verifier: AccessTokenVerifier
    let policy: AccessPolicy

    public init(verifier: AccessTokenVerifier, policy: AccessPolicy) {
        self.verifier = verifier
        self.policy = policy
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // No matched route: let the router answer 404/405 without asking for credentials first.
        guard let route = context.endpointPath else { return try await next(request, context) }
        let rule = policy.rule(method: request.method.rawValue, route: route)
        if rule == .open || (rule == .optional && request.headers[.authorization] == nil) { return try await next(request, context) }

        let principal = try await BearerAuthentication.principal(of: request.headers, verifier: verifier, logger: context.logger)
        switch rule {
        case .anyRole(let required) where principal.roles.isDisjoint(with: required):
            throw Problem.forbidden("this operation needs one of the roles: \(required.sorted().joined(separator: ", "))")
        case .adminOrScope(let scope) where !principal.roles.contains("admin") && !principal.scopes.contains(scope):
            throw Problem.forbidden("this operation needs the role admin or the scope \(scope)")
        default:
            break
        }
        var context = context
        context.logger[metadataKey: "subject"] = .string(principal.subject)
        return try await Principal.$current.withValue(principal) {
            try await next(request, context)
        }
    }
}

/// Reading and verifying `Authorization: Bearer <token>`, shared by the services and the gateway.
public enum BearerAuthentication {
    /// The verified caller, or a 401 problem that says what is wrong (without revealing which check failed).
    public static func principal(of headers: HTTPFields, verifier: AccessTokenVerifier, logger: Logger) async throws(Problem) -> Principal {
        let token = try self.token(in: headers[.authorization])
        do {
            return principal(token: token, claims: try await verifier.verify(token))
        } catch {
            logger.info("rejected bearer token", metadata: ["reason": "\(error)"])
            throw problem(for: error)
        }
    }

    /// The token of a `Bearer <token>` header, or the 401 problem for a missing or different header.
    public static func token(in header: String?) throws(Problem) -> String {
        guard let header else {
            throw Problem.unauthorized("this operation needs a bearer access token")
        }
        // Byte-wise on purpose: this runs on every request, and Foundation's trimming goes through NSString.
        let bytes = header.utf8
        guard bytes.count > 7, zip(bytes.prefix(7), "bearer ".utf8).allSatisfy({ $0 | 0x20 == $1 }) else {
            throw Problem.unauthorized("the Authorization header must be 'Bearer <token>'", challenge: #"Bearer error="invalid_request""#)
        }
        var rest = bytes.dropFirst(7)
        while rest.first == UInt8(ascii: " ") || rest.first == UInt8(ascii: "\t") { rest = rest.dropFirst() }
        while rest.last == UInt8(ascii: " ") || rest.last == UInt8(ascii: "\t") { rest = rest.dropLast() }
        return String(Substring(rest))
    }

    public static func principal(token: String, claims: AccessTokenClaims) -> Principal {
        Principal(subject: claims.sub.value, roles: Set(claims.roles), scopes: claims.scopes, token: token)
    }

    /// The 401 problem for a token the verifier refused.
    public static func problem(for rejection: TokenRejection) -> Problem {
        let detail = rejection == .expired ? "the access token has expired" : "the access token is not valid"
        return Problem.unauthorized(detail, challenge: #"Bearer error="invalid_token""#)
    }
}
