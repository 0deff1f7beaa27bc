import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import TradewindRuntime
import TradewindTesting
import UserInfrastructure
import UserServer

/// The whole user service in-process: in-memory SQLite, a fixed signing key, fast bcrypt and a test clock.
struct UserServiceHarness {
    static let adminEmail = "admin@example.com"
    static let adminPassword = "admin password 1"
    static let signingKey = ES256PrivateKey()

    let clock = TestClock(Date())
    let configuration: UserServiceConfiguration

    init(maximumBodyBytes: Int = 8192, bcryptCost: Int = 4) {
        configuration = UserServiceConfiguration(
            runtime: RuntimeSettings(serviceName: "user-service", port: 0, database: .sqliteInMemory, maximumBodyBytes: maximumBodyBytes),
            keys: SigningKeyStore(source: .pem(current: Self.signingKey.pemRepresentation, previousFile: nil)),
            bcryptCost: bcryptCost,
            bootstrapAdmin: (Self.adminEmail, Self.adminPassword),
            serviceClients: [.init(id: "order-service", secret: "order-service-secret", scopes: UserServiceConfiguration.defaultScopes["order-service"] ?? [])]
        )
    }

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "user-service-test")
        logger.logLevel = .warning
        let app = try await UserService.buildApplication(configuration, clock: clock, logger: logger)
        try await app.test(.router, test)
    }
}

extension TestClientProtocol {
    func json(_ method: HTTPRequest.Method, _ uri: String, _ body: String, token: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
    }

    func form(_ uri: String, _ fields: [String: String], headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
        let encoded = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: encoded))
    }

    func get(_ uri: String, token: String? = nil) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:])
    }

    @discardableResult
    func register(_ email: String = "ann@example.com", password: String = "correct horse") async throws -> TestResponse {
        try await json(.post, "/users", #"{"email":"\#(email)","displayName":"Ann","password":"\#(password)"}"#)
    }

    /// Signs in and returns (access token, refresh token).
    func signIn(_ email: String = "ann@example.com", _ password: String = "correct horse") async throws -> (access: String, refresh: String) {
        let response = try await form("/oauth/token", ["grant_type": "password", "username": email, "password": password])
        guard response.status == .ok else { throw HarnessError("sign-in answered \(response.status): \(String(buffer: response.body))") }
        let body = try response.jsonObject()
        return (body["access_token"] as? String ?? "", body["refresh_token"] as? String ?? "")
    }
}

extension TestResponse {
    func jsonObject() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(String(buffer: body))")
        }
        return object
    }

    /// The problem document, after checking the media type.
    func problem() throws -> [String: Any] {
        guard headers[.contentType] == "application/problem+json" else {
            throw HarnessError("expected problem+json, got \(headers[.contentType] ?? "none"): \(String(buffer: body))")
        }
        return try jsonObject()
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
