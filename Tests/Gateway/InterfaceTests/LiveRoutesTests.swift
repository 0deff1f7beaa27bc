import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import TradewindRuntime

/// The running gateway follows its route settings: limits, timeouts, body limits and whole tables change between
/// two requests, with no restart; a setting it cannot use leaves the routes in force.
@Suite struct LiveRoutesTests {
    typealias Harness = GatewayHarness

    /// Sends requests until `condition` holds for one, for up to three seconds (a busy test machine; the end-to-end
    /// test holds a running stack to one second).
    static func eventually(
        _ client: any TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get, body: ByteBuffer? = nil,
        _ condition: (TestResponse) -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            if condition(try await client.execute(uri: uri, method: method, body: body)) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    @Test func aRaisedRateLimitAppliesToTheNextRequests() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        let edited = EditableSettings()
        try await Harness.withGateway(upstreams: [url], settings: edited.settings) { client in
            for _ in 0..<3 { #expect(try await client.execute(uri: "/api/limited", method: .get).status == .ok) }
            #expect(try await client.execute(uri: "/api/limited", method: .get).status == .tooManyRequests)

            edited.set("route.limited.rateLimit.burst", to: "50")
            #expect(try await Self.eventually(client, "/api/limited") {
                $0.status == .ok && $0.headers[HTTPField.Name("RateLimit-Limit")!] == "50"
            })
            // A value the gateway cannot use is refused whole: the raised limit stays.
            edited.set("route.limited.rateLimit.burst", to: "lots")
            try await Task.sleep(for: .milliseconds(100))
            let still = try await client.execute(uri: "/api/limited", method: .get)
            #expect(still.status == .ok && still.headers[HTTPField.Name("RateLimit-Limit")!] == "50")
            // Removed: back to the table's limit of 3, with fresh buckets.
            edited.set("route.limited.rateLimit.burst", to: nil)
            #expect(try await Self.eventually(client, "/api/limited") { $0.headers[HTTPField.Name("RateLimit-Limit")!] == "3" })
        }
        await upstream.stop()
    }

    @Test func aTimeoutAndABodyLimitChangeWhileRequestsGoOn() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        upstream.delay.withLock { $0 = .milliseconds(300) }
        let edited = EditableSettings()
        // Set before the start: the gateway starts with it, in place of the table's 200 ms.
        edited.set("route.slow.timeoutMs", to: "5000")
        try await Harness.withGateway(upstreams: [url], settings: edited.settings) { client in
            // Then 50 ms: one 504, which leaves the instance's breaker (two failures) closed for what follows.
            let inTime = try await client.execute(uri: "/api/slow/x", method: .get)
            #expect(inTime.status == .ok)
            edited.set("route.slow.timeoutMs", to: "50")
            let timedOut = try await Self.eventually(client, "/api/slow/x") { $0.status == .gatewayTimeout }
            #expect(timedOut)
            upstream.delay.withLock { $0 = .zero }

            let body = ByteBuffer(repeating: 1, count: 2048)
            let accepted = try await client.execute(uri: "/api/users/x", method: .post, body: body)
            #expect(accepted.status == .ok)
            edited.set("route.users.maxBodyBytes", to: "1024")
            let refused = try await Self.eventually(client, "/api/users/x", method: .post, body: body) { $0.status == .contentTooLarge }
            #expect(refused)
        }
        await upstream.stop()
    }

    @Test func aWholeTableReplacesTheFilesAndABadOneIsIgnored() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        let edited = EditableSettings()
        try await Harness.withGateway(upstreams: [url], settings: edited.settings) { client in
            #expect(try await client.execute(uri: "/api/members/7", method: .get).status == .notFound)
            edited.set("routes", to: #"{"routes": [{"name": "members", "prefix": "/api/members", "service": "user-service", "rewrite": "/users", "access": "public"}]}"#)
            #expect(try await Self.eventually(client, "/api/members/7") { response in
                response.status == .ok && (try? Harness.echo(response).target) == "/users/7"
            })
            #expect(try await client.execute(uri: "/api/limited", method: .get).status == .notFound, "the file's routes are replaced")

            edited.set("routes", to: #"{"routes": [{"name": "members", "prefix": "members"}]}"#)
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await client.execute(uri: "/api/members/7", method: .get).status == .ok, "an invalid table is not served")

            edited.set("routes", to: nil)
            #expect(try await Self.eventually(client, "/api/limited") { $0.status == .ok })
        }
        await upstream.stop()
    }

    @Test func allowedBrowserOriginsChangeLive() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        let edited = EditableSettings()
        try await Harness.withGateway(upstreams: [url], settings: edited.settings) { client in
            func allowed(_ origin: String) async throws -> String? {
                try await client.execute(uri: "/api/users/x", method: .get, headers: [.origin: origin]).headers[.accessControlAllowOrigin]
            }
            #expect(try await allowed("http://shop.example") == "http://shop.example")
            #expect(try await allowed("https://new-shop.example") == nil)

            edited.set("storefront.origin", to: "https://new-shop.example, http://localhost:3000")
            let deadline = ContinuousClock.now + .seconds(1)
            while ContinuousClock.now < deadline, try await allowed("https://new-shop.example") == nil {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await allowed("https://new-shop.example") == "https://new-shop.example")
            #expect(try await allowed("http://localhost:3000") == "http://localhost:3000")
            #expect(try await allowed("http://shop.example") == nil, "the list replaces the start's origin")
            let preflight = try await client.execute(
                uri: "/api/users/me", method: .options,
                headers: [.origin: "http://localhost:3000", .accessControlRequestMethod: "GET", .accessControlRequestHeaders: "authorization"]
            )
            #expect(preflight.headers[.accessControlAllowOrigin] == "http://localhost:3000")

            edited.set("storefront.origin", to: "not an origin")
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await allowed("https://new-shop.example") == "https://new-shop.example", "a bad list is ignored")
            edited.set("storefront.origin", to: nil)
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await allowed("http://shop.example") == "http://shop.example", "back to the start's origin")
        }
        await upstream.stop()
    }

    @Test func pathsOutsideTheAPIGoToTheRouteForSlashButTheGatewaysOwnPagesStay() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        let edited = EditableSettings()
        edited.set("routes", to: #"{"routes": [{"name": "shop", "prefix": "/", "service": "user-service", "rewrite": "/users", "access": "public"}]}"#)
        try await Harness.withGateway(upstreams: [url], settings: edited.settings) { client in
            let page = try await client.execute(uri: "/products/7?sort=price", method: .get)
            #expect(page.status == .ok && (try? Harness.echo(page).target) == "/users/products/7?sort=price")
            #expect(try await client.execute(uri: "/health/ready", method: .get).status == .ok, "the gateway's own probe")
            #expect(upstream.hits.withLock { $0 } == 1, "only the page reached the upstream")
            #expect(try await client.execute(uri: "/admin/routes", method: .get).status == .unauthorized, "the gateway's admin page, not the shop's")
        }
        await upstream.stop()
    }
}
