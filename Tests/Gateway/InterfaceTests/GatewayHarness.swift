import Foundation
import GatewayDomain
import GatewayServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TradewindRuntime
import TradewindTesting

/// A stand-in for a service instance: echoes what reached it as JSON, can be slowed down, and can be stopped.
final class Upstream: Sendable {
    struct Echo: Codable {
        let instance: String
        let method: String
        let target: String
        let authorization: String?
        let forwardedFor: String?
        let forwardedProto: String?
        let forwardedHost: String?
        let requestID: String?
        let bodyBytes: Int
    }

    let name: String
    let hits = Mutex(0)
    let delay = Mutex(Duration.zero)
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init(_ name: String) { self.name = name }

    /// Starts listening on a free port of 127.0.0.1 and returns its base URL.
    func start() async throws -> String {
        let router = Router(options: .autoGenerateHeadEndpoints)
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on("/users/**", method: method) { request, _ in try await self.answer(request) }
        }
        router.get("/users/big") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody(contentLength: 2_000_000) { writer in
                for _ in 0..<20 { try await writer.write(ByteBuffer(repeating: UInt8(ascii: "x"), count: 100_000)) }
                try await writer.finish(nil)
            })
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }
        )
        task.withLock { $0 = Task { try await app.runService(gracefulShutdownSignals: []) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return "http://127.0.0.1:\(port)"
    }

    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        _ = await running?.result
    }

    private func answer(_ request: Request) async throws -> Response {
        hits.withLock { $0 += 1 }
        let pause = delay.withLock { $0 }
        if pause > .zero { try await Task.sleep(for: pause) }
        var bytes = 0
        for try await chunk in request.body { bytes += chunk.readableBytes }
        let echo = Echo(
            instance: name, method: request.method.rawValue, target: request.uri.description,
            authorization: request.headers[.authorization], forwardedFor: request.headers[HTTPField.Name("x-forwarded-for")!],
            forwardedProto: request.headers[HTTPField.Name("x-forwarded-proto")!], forwardedHost: request.headers[HTTPField.Name("x-forwarded-host")!],
            requestID: request.headers[.requestID], bodyBytes: bytes
        )
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(echo))))
    }
}

enum GatewayHarness {
    static let key = ES256PrivateKey()

    static func token(subject: String = "user-1", roles: [String] = ["customer"], lifetime: TimeInterval = 600, issuedAt: Date = Date(), key: ES256PrivateKey = key) async throws -> String {
        let claims = AccessTokenClaims(
            subject: subject, issuer: RuntimeSettings.defaultIssuer, audience: RuntimeSettings.defaultAudience, roles: roles,
            issuedAt: issuedAt, lifetime: lifetime, id: UUID().uuidString
        )
        return try await JWTKeyCollection().add(ecdsa: key, kid: "k1").sign(claims, kid: "k1")
    }

    static func table() throws -> RouteTable {
        try RouteTable([
            try Route(name: "users", prefix: "/api/users", service: "user-service", rewrite: "/users", access: .public),
            try Route(name: "account", prefix: "/api/users/me", service: "user-service", rewrite: "/users/me", access: .authenticated),
            try Route(name: "admin", prefix: "/api/admin", service: "user-service", rewrite: "/users/admin", access: .anyRole(["admin"])),
            try Route(name: "limited", prefix: "/api/limited", service: "user-service", rewrite: "/users/limited", access: .public,
                      rateLimit: try RouteRateLimit(perSecond: 0.01, burst: 3, key: .clientAddress)),
            try Route(name: "uploads", prefix: "/api/uploads", service: "user-service", rewrite: "/users/uploads", access: .public,
                      maximumBodyBytes: 256 * 1024),
            try Route(name: "slow", prefix: "/api/slow", service: "user-service", rewrite: "/users/slow", access: .public, timeoutMilliseconds: 200),
        ])
    }

    static func withGateway(
        upstreams: [String], settings: LiveSettings? = nil, discovery: (any ServiceDiscovery)? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let configuration = GatewayConfiguration(
            runtime: RuntimeSettings(serviceName: "gateway", port: 0, database: .sqliteInMemory),
            routes: try table(), storefrontOrigins: ["http://shop.example"]
        )
        let app = try await GatewayService.buildApplication(
            configuration, keys: LocalKeySource(await .ecdsa([("k1", key.publicKey)])), discovery: discovery ?? StaticDiscovery(["user-service": upstreams]),
            clientConfiguration: .init(
                retry: RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(1)), breaker: .init(failureThreshold: 2, openDuration: .seconds(30)),
                balancing: .roundRobin, defaultTimeout: .seconds(2)
            ),
            liveSettings: settings, logger: Logger(label: "gateway-test")
        )
        try await app.test(.live) { client in try await body(client) }
    }

    /// A port that refuses connections (see ``DeadPorts``).
    static func closedPort() throws -> Int { try DeadPorts.reserve() }

    static func echo(_ response: TestResponse) throws -> Upstream.Echo {
        try JSONDecoder().decode(Upstream.Echo.self, from: Data(response.body.readableBytesView))
    }

    static func problem(_ response: TestResponse) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? String ?? ($0 as? Int).map(String.init) }
    }
}
