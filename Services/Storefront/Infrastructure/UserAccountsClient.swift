import Foundation
import HTTPTypes
import OpenAPIRuntime
import StorefrontDomain
import TradewindKernel
import TradewindRuntime
import UserContracts

/// Accounts through the user context's published client (`UserContracts.Client`). Password sign-ins and sign-ups
/// carry the shopper's address in `X-Forwarded-For`, so that the user context's throttles count the shopper, not
/// the storefront (it trusts the storefront as a proxy).
public struct UserAccountsClient: Accounts {
    let user: Client
    let transport: ServiceClientTransport
    let clock: any WallClock

    public init(client: ServiceClient, clock: any WallClock = SystemWallClock(), timeout: Duration = .seconds(5)) {
        transport = ServiceClientTransport(client, service: UserContract.service, timeout: timeout)
        user = Client(serverURL: ServiceClientTransport.serverURL(for: UserContract.service), configuration: .tradewind,
                      transport: transport, middlewares: [ForwardedShopperAddress()])
        self.clock = clock
    }

    public func register(email: String, displayName: String, password: String) async throws {
        let answer = try await reach(Self.unavailable) { try await user.registerUser(body: .json(.init(email: email, displayName: displayName, password: password))) }
        switch answer {
        case .created: return
        case .conflict: throw StorefrontError.refused(field: "email", detail: "An account with this email exists already; sign in instead.")
        case .badRequest(let problem), .unprocessableContent(let problem):
            let detail = Self.detail(problem) ?? "The account cannot be created with these details."
            throw StorefrontError.refused(field: Self.field(named: detail, among: ["email", "password", "displayName"]), detail: detail)
        case .default(statusCode: 429, _): throw StorefrontError.throttled(retryAfterSeconds: nil)
        default: throw Self.unavailable
        }
    }

    public func signIn(email: String, password: String) async throws -> AccountTokens {
        try await tokens(.init(grantType: "password", username: email, password: password))
    }

    public func refresh(_ refreshToken: String) async throws -> AccountTokens {
        do {
            return try await tokens(.init(grantType: "refresh_token", refreshToken: refreshToken))
        } catch StorefrontError.signInRefused {
            throw StorefrontError.signedOut
        }
    }

    public func revoke(_ refreshToken: String) async throws {
        let answer = try await reach(Self.unavailable) {
            try await user.revokeToken(body: .urlEncodedForm(.init(token: refreshToken, tokenTypeHint: "refresh_token")))
        }
        guard case .ok = answer else { throw Self.unavailable }
    }

    public func profile(accessToken: String) async throws -> AccountProfile {
        let me = Client(serverURL: ServiceClientTransport.serverURL(for: UserContract.service), configuration: .tradewind,
                        transport: transport, middlewares: [ForwardedAuthorization(bearerToken: accessToken)])
        guard case .ok(let ok) = try await reach(Self.unavailable, { try await me.getCurrentUser() }) else { throw Self.unavailable }
        let user = try ok.body.json
        return AccountProfile(displayName: user.displayName, roles: user.roles.map(\.rawValue))
    }

    private func tokens(_ request: Components.Schemas.TokenRequest) async throws -> AccountTokens {
        let started = clock.now()
        switch try await reach(Self.unavailable, { try await user.issueToken(body: .urlEncodedForm(request)) }) {
        case .ok(let ok):
            let issued = try ok.body.json
            return AccountTokens(accessToken: issued.accessToken, accessExpiresAt: started.addingTimeInterval(TimeInterval(issued.expiresIn)),
                                 refreshToken: issued.refreshToken)
        case .badRequest, .unauthorized: throw StorefrontError.signInRefused
        case .tooManyRequests: throw StorefrontError.throttled(retryAfterSeconds: nil)
        default: throw Self.unavailable
        }
    }

    static let unavailable = StorefrontError.unavailable("the account service is not answering")

    static func detail(_ problem: Components.Responses.Problem) -> String? {
        guard case .applicationProblemJson(let body) = problem.body else { return nil }
        return body.detail ?? body.title
    }

    /// The form field a problem's detail is about, when it names one.
    static func field(named detail: String, among fields: [String]) -> String? {
        let lowered = detail.lowercased()
        return fields.first { lowered.contains($0.lowercased()) } ?? (lowered.contains("display name") ? "displayName" : nil)
    }

}

/// The shopper's address (as this request's trusted proxies tell it) in `X-Forwarded-For`.
struct ForwardedShopperAddress: ClientMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let address = RequestInfo.current?.clientAddress { request.headerFields[.xForwardedFor] = address }
        return try await next(request, body, baseURL)
    }
}
