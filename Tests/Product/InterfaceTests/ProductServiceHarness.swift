import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import ProductServer
import TradewindRuntime
import TradewindTesting

/// The whole product service in-process: in-memory SQLite, tokens signed by a test key, a test clock.
struct ProductServiceHarness {
    static let key = ES256PrivateKey()
    let clock = TestClock(Date())
    var seed = false

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "product-service-test")
        logger.logLevel = .warning
        let configuration = ProductServiceConfiguration(
            runtime: RuntimeSettings(serviceName: "product-service", port: 0, database: .sqliteInMemory, maximumBodyBytes: 65536),
            seedSampleData: seed
        )
        let app = try await ProductService.buildApplication(
            configuration, keys: LocalKeySource(await .ecdsa([("k1", Self.key.publicKey)])), clock: clock, logger: logger
        )
        try await app.test(.router, test)
    }

    static func token(_ roles: [String], scopes: [String] = [], subject: String = "someone") async throws -> String {
        let claims = AccessTokenClaims(
            subject: subject, issuer: RuntimeSettings.defaultIssuer, audience: RuntimeSettings.defaultAudience, roles: roles, scopes: scopes,
            issuedAt: Date(), lifetime: 600, id: UUID().uuidString
        )
        return try await JWTKeyCollection().add(ecdsa: key, kid: "k1").sign(claims, kid: "k1")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestClientProtocol {
    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, token: String? = nil, ifMatch: String? = nil,
              prefer: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let prefer { headers[HTTPField.Name("Prefer")!] = prefer }
        if json != nil { headers[.contentType] = "application/json" }
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let ifMatch { headers[.ifMatch] = ifMatch }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(String(buffer: body))")
        }
        return object
    }

    var text: String { String(buffer: body) }
}
