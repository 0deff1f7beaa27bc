import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A bearer token for calls this service makes on its own behalf.
public protocol ServiceTokenProvider: Sendable {
    func token() async throws -> String
}

/// Obtains a token with the OAuth2 `client_credentials` grant and reuses it until shortly before it expires.
/// Concurrent callers share one token request.
public actor ClientCredentialsTokenProvider: ServiceTokenProvider {
    private let tokenURL: String
    private let clientID: String
    private let clientSecret: String
    private let httpClient: HTTPClient
    private let refreshMargin: Duration
    private var current: (token: String, expires: ContinuousClock.Instant)?
    private var inFlight: Task<(String, ContinuousClock.Instant), any Error>?

    public init(tokenURL: String, clientID: String, clientSecret: String, httpClient: HTTPClient = .shared, refreshMargin: Duration = .seconds(30)) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.httpClient = httpClient
        self.refreshMargin = refreshMargin
    }

    public func token() async throws -> String {
        if let current, ContinuousClock.now + refreshMargin < current.expires { return current.token }
        if let inFlight { return try await inFlight.value.0 }
        let task = Task { [tokenURL, clientID, clientSecret, httpClient] () throws -> (String, ContinuousClock.Instant) in
            var request = HTTPClientRequest(url: tokenURL)
            request.method = .POST
            let credentials = Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(credentials)")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials"))
            let response = try await httpClient.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status == .ok else { throw TokenRequestError(status: Int(response.status.code)) }
            struct Grant: Decodable { let access_token: String; let expires_in: Int }
            let grant = try JSONDecoder().decode(Grant.self, from: Data(body.readableBytesView))
            return (grant.access_token, ContinuousClock.now + .seconds(grant.expires_in))
        }
        inFlight = task
        defer { inFlight = nil }
        let (token, expires) = try await task.value
        current = (token, expires)
        return token
    }
}

public struct TokenRequestError: Error, CustomStringConvertible {
    public let status: Int
    public var description: String { "the token endpoint answered HTTP \(status)" }
}

/// A service's own machine-client credentials, for calls and event deliveries that need its token:
/// `TOKEN_URL` (the issuer's token endpoint), `SERVICE_CLIENT_ID` (default: the service's name) and
/// `SERVICE_CLIENT_SECRET` (none: calls go without a token and the callee refuses them).
public struct MachineClientSettings: Sendable {
    public static let defaultTokenURL = "http://127.0.0.1:8081/oauth/token"

    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String?

    public init(tokenURL: String = MachineClientSettings.defaultTokenURL, clientID: String, clientSecret: String? = nil) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    public static func load(from environment: ServiceEnvironment, serviceName: String) throws -> MachineClientSettings {
        MachineClientSettings(
            tokenURL: try environment.url("TOKEN_URL", default: defaultTokenURL)?.absoluteString ?? defaultTokenURL,
            clientID: environment.string("SERVICE_CLIENT_ID", default: serviceName),
            clientSecret: try environment.secret("SERVICE_CLIENT_SECRET")
        )
    }

    /// The token provider, or `nil` without a secret.
    public func tokenProvider() -> ClientCredentialsTokenProvider? {
        clientSecret.map { ClientCredentialsTokenProvider(tokenURL: tokenURL, clientID: clientID, clientSecret: $0) }
    }
}
