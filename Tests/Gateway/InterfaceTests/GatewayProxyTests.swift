import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import TradewindRuntime

/// The gateway in front of real upstream instances on 127.0.0.1.
@Suite struct GatewayProxyTests {
    typealias Harness = GatewayHarness

    @Test func forwardsWithTheRewrittenPathQueryAndForwardedHeaders() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            let response = try await client.execute(
                uri: "/api/users/42?expand=roles&x=%20", method: .get,
                headers: [HTTPField.Name("x-forwarded-for")!: "203.0.113.9", .requestID: "req-123", .authorization: "Bearer opaque"]
            )
            #expect(response.status == .ok)
            let echo = try Harness.echo(response)
            #expect(echo.target == "/users/42?expand=roles&x=%20")
            #expect(echo.forwardedFor == "203.0.113.9, 127.0.0.1")
            #expect(echo.forwardedProto == "http")
            #expect(echo.forwardedHost != nil)
            #expect(echo.requestID == "req-123")
            // A public route passes the caller's credentials through untouched; the service decides.
            #expect(echo.authorization == "Bearer opaque")
            #expect(response.headers[.requestID] == "req-123")
        }
        await upstream.stop()
    }

    @Test func protectedRoutesRejectMissingExpiredTamperedAndForeignTokens() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            let expired = try await Harness.token(lifetime: 60, issuedAt: Date().addingTimeInterval(-3600))
            let valid = try await Harness.token()
            var parts = valid.split(separator: ".").map(String.init)
            parts[1] = Data(#"{"sub":"admin","roles":["admin"]}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            let tampered = parts.joined(separator: ".")
            let foreign = try await Harness.token(key: ES256PrivateKey())
            let cases: [(String?, String)] = [(nil, "missing"), ("Basic abc", "not bearer"), ("Bearer \(expired)", "expired"),
                                              ("Bearer \(tampered)", "tampered"), ("Bearer \(foreign)", "foreign key"), ("Bearer a.b.c", "garbage")]
            for (header, label) in cases {
                let headers: HTTPFields = header.map { [.authorization: $0] } ?? [:]
                let response = try await client.execute(uri: "/api/users/me", method: .get, headers: headers)
                #expect(response.status == .unauthorized, "\(label)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(label)")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(label)")
            }
            #expect(upstream.hits.withLock { $0 } == 0)

            let accepted = try await client.execute(uri: "/api/users/me", method: .get, headers: [.authorization: "Bearer \(valid)"])
            #expect(accepted.status == .ok)
            #expect(try Harness.echo(accepted).authorization == "Bearer \(valid)")
        }
        await upstream.stop()
    }

    @Test func roleRoutesRejectTheWrongRole() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            let customer = try await Harness.token(roles: ["customer"])
            let refused = try await client.execute(uri: "/api/admin/stats", method: .get, headers: [.authorization: "Bearer \(customer)"])
            #expect(refused.status == .forbidden)
            #expect(try Harness.problem(refused)["detail"]?.contains("admin") == true)
            let admin = try await Harness.token(roles: ["admin"])
            let allowed = try await client.execute(uri: "/api/admin/stats", method: .get, headers: [.authorization: "Bearer \(admin)"])
            #expect(allowed.status == .ok)
            #expect(try Harness.echo(allowed).target == "/users/admin/stats")
        }
        await upstream.stop()
    }

    @Test func theRateLimitAnswers429WithRetryAfterAndRateLimitHeaders() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            for remaining in [2, 1, 0] {
                let response = try await client.execute(uri: "/api/limited", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("RateLimit-Limit")!] == "3")
                #expect(response.headers[HTTPField.Name("RateLimit-Remaining")!] == String(remaining))
            }
            let refused = try await client.execute(uri: "/api/limited", method: .get)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(refused.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")
            #expect(upstream.hits.withLock { $0 } == 3)
        }
        await upstream.stop()
    }

    @Test func bodiesStreamBothWaysWithinTheRouteLimit() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            let small = try await client.execute(uri: "/api/uploads", method: .post, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(repeating: 1, count: 1000))
            #expect(try Harness.echo(small).bodyBytes == 1000)
            let streamed = try await client.execute(uri: "/api/uploads", method: .post, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(repeating: 1, count: 200_000))
            #expect(try Harness.echo(streamed).bodyBytes == 200_000)
            let tooLarge = try await client.execute(uri: "/api/uploads", method: .post, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(repeating: 1, count: 300_000))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.headers[.contentType] == "application/problem+json")

            let big = try await client.execute(uri: "/api/users/big", method: .get)
            #expect(big.status == .ok)
            #expect(big.body.readableBytes == 2_000_000)
            #expect(big.headers[.contentLength] == "2000000")
        }
        #expect(upstream.hits.withLock { $0 } == 2)
        await upstream.stop()
    }

    @Test func aChunkedBodyOverTheLimitIsCutOffWith413() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(client.port!)/api/uploads")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/octet-stream")
            let (chunks, writer) = AsyncStream.makeStream(of: ByteBuffer.self)
            for _ in 0..<40 { writer.yield(ByteBuffer(repeating: 2, count: 10_000)) }
            writer.finish()
            request.body = .stream(chunks, length: .unknown)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status.code == 413)
            _ = try? await response.body.collect(upTo: 1 << 20)
        }
        await upstream.stop()
    }

    @Test func aKilledInstanceIsLeftForTheOtherOne() async throws {
        let a = Upstream("a"), b = Upstream("b")
        let urlA = try await a.start(), urlB = try await b.start()
        try await Harness.withGateway(upstreams: [urlA, urlB]) { client in
            var seen: Set<String> = []
            for _ in 0..<4 { seen.insert(try Harness.echo(try await client.execute(uri: "/api/users/1", method: .get)).instance) }
            #expect(seen == ["a", "b"])
            await a.stop()
            for _ in 0..<8 {
                let response = try await client.execute(uri: "/api/users/1", method: .get)
                #expect(response.status == .ok)
                #expect(try Harness.echo(response).instance == "b")
            }
        }
        await b.stop()
    }

    /// The gateway asks discovery for every routed service as it starts: the first request to a service does not
    /// wait on (or, on a loaded machine, time out on) the registry's first answer.
    @Test func routedServicesAreLookedUpAtStartBeforeAnyRequest() async throws {
        final class AskedDiscovery: ServiceDiscovery {
            let asked = Mutex<[String]>([])
            func endpoints(of service: String) async -> [ServiceEndpoint] {
                asked.withLock { $0.append(service) }
                return []
            }
            func knownServices() async -> Set<String>? { ["user-service"] }
        }
        let discovery = AskedDiscovery()
        try await Harness.withGateway(upstreams: [], discovery: discovery) { _ in
            for _ in 0..<100 where discovery.asked.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
            #expect(discovery.asked.withLock { $0 } == ["user-service"], "each routed service once, with no request sent")
        }
    }

    @Test func withEveryInstanceDownTheAnswerIsAFast503Problem() async throws {
        let dead = try [Harness.closedPort(), Harness.closedPort()].map { "http://127.0.0.1:\($0)" }
        try await Harness.withGateway(upstreams: dead) { client in
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/api/users/1", method: .get)
                #expect([502, 503].contains(response.status.code))
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            // Once the breakers are open no connection is even attempted: the gateway answers from its breakers.
            // (How fast that is is a benchmark's business; a timed test fails on a busy machine.)
            let response = try await client.execute(uri: "/api/users/1", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(try Harness.problem(response)["type"]?.hasSuffix("circuit-open") == true)
            #expect(response.headers[.retryAfter] != nil)
        }
    }

    @Test func aSlowUpstreamGetsA504AtTheRouteTimeout() async throws {
        let upstream = Upstream("a")
        upstream.delay.withLock { $0 = .seconds(2) }
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            let response = try await client.execute(uri: "/api/slow", method: .post)
            #expect(response.status == .gatewayTimeout)
            #expect(try Harness.problem(response)["detail"]?.contains("200 ms") == true)
        }
        await upstream.stop()
    }

    @Test func unknownAndAmbiguousPathsAreRefusedAtTheEdge() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            let unknown = try await client.execute(uri: "/api/nothing/here", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType] == "application/problem+json")
            for path in ["/api/users/%2e%2e/admin", "/api/users/..%2fadmin", "/api/users/me/../../admin"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .badRequest, "\(path)")
            }
            let outside = try await client.execute(uri: "/somewhere", method: .get)
            #expect(outside.status == .notFound)
            #expect(upstream.hits.withLock { $0 } == 0)
        }
        await upstream.stop()
    }

    @Test func adminPagesNeedTheAdminRoleAndShowRoutesAndBreakers() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        let dead = "http://127.0.0.1:\(try Harness.closedPort())"
        try await Harness.withGateway(upstreams: [url, dead]) { client in
            #expect(try await client.execute(uri: "/admin/routes", method: .get).status == .unauthorized)
            let customer = try await Harness.token(roles: ["customer"])
            #expect(try await client.execute(uri: "/admin/routes", method: .get, headers: [.authorization: "Bearer \(customer)"]).status == .forbidden)
            for _ in 0..<4 { _ = try await client.execute(uri: "/api/users/1", method: .get) }

            let admin: HTTPFields = [.authorization: "Bearer \(try await Harness.token(roles: ["admin"]))"]
            let routes = try await client.execute(uri: "/admin/routes", method: .get, headers: admin)
            #expect(routes.status == .ok)
            let listed = try JSONSerialization.jsonObject(with: Data(routes.body.readableBytesView)) as? [[String: Any]]
            #expect(listed?.compactMap { $0["name"] as? String }.sorted() == ["account", "admin", "limited", "slow", "uploads", "users"])

            let upstreams = try await client.execute(uri: "/admin/upstreams", method: .get, headers: admin)
            let text = String(buffer: upstreams.body)
            #expect(text.contains(url))
            #expect(text.contains(#""breaker" : "open""#))

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"gateway_upstream_instances{service="user-service",breaker="open"} 1"#), "\(metrics.split(separator: "\n").filter { $0.contains("upstream_instances") })")
            #expect(metrics.contains(#"gateway_upstream_instances{service="user-service",breaker="closed"} 1"#))
        }
        await upstream.stop()
    }

    @Test func corsPreflightForTheStorefrontNeedsNoToken() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            let preflight = try await client.execute(
                uri: "/api/users/me", method: .options,
                headers: [.origin: "http://shop.example", .accessControlRequestMethod: "GET", .accessControlRequestHeaders: "authorization"]
            )
            #expect(preflight.status == .noContent || preflight.status == .ok)
            #expect(preflight.headers[.accessControlAllowOrigin] == "http://shop.example")
            #expect(preflight.headers[.accessControlAllowHeaders]?.lowercased().contains("authorization") == true)
        }
        await upstream.stop()
    }
}
