import Foundation
import HTTPTypes
import TradewindRuntime
import UserApplication
import UserContracts
import UserDomain

/// The OAuth2 endpoints answer errors in the RFC 6749 format (`{"error": "invalid_grant", …}`), not as problems,
/// because OAuth client libraries parse that format.
extension UserAPI {
    public func issueToken(_ input: Operations.IssueToken.Input) async throws -> Operations.IssueToken.Output {
        guard case .urlEncodedForm(let form) = input.body else { return Self.oauthError(.invalidRequest, "expected a form body") }
        do {
            let grant: TokenGrant
            switch form.grantType {
            case "password":
                guard let username = form.username, let password = form.password else {
                    return Self.oauthError(.invalidRequest, "the password grant needs username and password")
                }
                grant = try await useCases.authenticate.execute(
                    .init(email: username, password: password, clientAddress: RequestInfo.current?.clientAddress)
                )
            case "refresh_token":
                guard let token = form.refreshToken else { return Self.oauthError(.invalidRequest, "the refresh_token grant needs refresh_token") }
                grant = try await useCases.refresh.execute(refreshToken: token)
            case "client_credentials":
                guard let credentials = Self.clientCredentials(form) else {
                    return Self.invalidClient("client authentication needs client_id and client_secret, in the body or as HTTP Basic")
                }
                grant = try await useCases.authenticateClient.execute(
                    clientID: credentials.id, clientSecret: credentials.secret, clientAddress: RequestInfo.current?.clientAddress
                )
            case nil:
                return Self.oauthError(.invalidRequest, "grant_type is required")
            case let other?:
                return Self.oauthError(.unsupportedGrantType, "grant_type '\(other.prefix(64))' is not supported; use password, refresh_token or client_credentials")
            }
            return .ok(.init(
                headers: .init(cacheControl: "no-store"),
                body: .json(.init(accessToken: grant.accessToken, tokenType: .bearer, expiresIn: grant.expiresIn, refreshToken: grant.refreshToken))
            ))
        } catch let error as UserError {
            switch error {
            case .invalidCredentials: return Self.oauthError(.invalidGrant, "the e-mail or password is wrong")
            case .accountLocked: return Self.oauthError(.invalidGrant, "the account is locked")
            case .invalidRefreshToken: return Self.oauthError(.invalidGrant, "the refresh token is invalid, expired or revoked")
            case .refreshTokenReused: return Self.oauthError(.invalidGrant, "the refresh token was already used; its session has been revoked")
            case .invalidClient: return Self.invalidClient("client authentication failed")
            default: throw error
            }
        }
    }

    public func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        guard case .urlEncodedForm(let form) = input.body, let token = form.token, !token.isEmpty else {
            return .badRequest(.init(body: .json(.init(error: .invalidRequest, errorDescription: "token is required"))))
        }
        try await useCases.revoke.execute(token: token)
        return .ok(.init())
    }

    private static func oauthError(_ code: Components.Schemas.OAuthError._ErrorPayload, _ description: String) -> Operations.IssueToken.Output {
        .badRequest(.init(body: .json(.init(error: code, errorDescription: description))))
    }

    private static func invalidClient(_ description: String) -> Operations.IssueToken.Output {
        .unauthorized(.init(
            headers: .init(wwwAuthenticate: #"Basic realm="tradewind""#),
            body: .json(.init(error: .invalidClient, errorDescription: description))
        ))
    }

    /// `client_secret_basic` (preferred by RFC 6749) or `client_secret_post`.
    private static func clientCredentials(_ form: Components.Schemas.TokenRequest) -> (id: String, secret: String)? {
        if let header = RequestInfo.current?.headers[.authorization], header.lowercased().hasPrefix("basic "),
           let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
           let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") {
            let id = String(text[..<colon]).removingPercentEncoding ?? "", secret = String(text[text.index(after: colon)...]).removingPercentEncoding ?? ""
            return (id, secret)
        }
        guard let id = form.clientId, let secret = form.clientSecret else { return nil }
        return (id, secret)
    }
}
