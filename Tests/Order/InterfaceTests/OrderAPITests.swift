import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import OrderApplication
import OrderDomain
@testable import OrderInterface
import OrderServer
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// The other contexts as the order service sees them, answering at once and idempotently.
final class InstantContexts: CartContents, StockReservations, FreightBooking, EventPublisher {
    let published = Mutex<[String]>([])
    let cartDown = Mutex(false)

    func lines(ofCustomer customer: String, token: String) async throws -> [CartLineSnapshot] {
        if cartDown.withLock({ $0 }) { throw OrderError.cartUnavailable }
        return [CartLineSnapshot(sku: "AUD-1", name: "Headphones", unitPrice: Money(minorUnits: 12900, currency: Currency("EUR")!), quantity: 1, available: true)]
    }

    func reserve(_ order: OrderID, lines: [OrderLine]) async throws(StepFailure) {}
    func release(_ order: OrderID) async throws(StepFailure) -> StockRelease { .released }
    func commit(_ order: OrderID) async throws(StepFailure) {}
    func book(_ order: OrderID, from origin: String, to destination: String, arrivalDeadline: Date) async throws(StepFailure) -> String { "0000CAFE" }
    func publish(_ event: IntegrationEvent) async throws { published.withLock { $0.append(event.type) } }
}

@Suite struct OrderAPITests {
    static let key = ES256PrivateKey()
    let contexts = InstantContexts()

    func run(settings: LiveSettings? = nil, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "order-test")
        logger.logLevel = .warning
        let app = try await OrderService.buildApplication(
            OrderServiceConfiguration(runtime: RuntimeSettings(serviceName: "order-service", port: 0, database: .sqliteInMemory)),
            keys: LocalKeySource(await .ecdsa([("k1", Self.key.publicKey)])),
            contexts: .init(cart: contexts, stock: contexts, freight: contexts, events: contexts), liveSettings: settings, logger: logger
        )
        try await app.test(.router, test)
    }

    static func headers(_ subject: String, roles: [String] = ["customer"], scopes: [String] = [], key: String? = nil) async throws -> HTTPFields {
        let token = try await JWTKeyCollection().add(ecdsa: Self.key, kid: "k1").sign(AccessTokenClaims(
            subject: subject, issuer: RuntimeSettings.defaultIssuer, audience: RuntimeSettings.defaultAudience, roles: roles, scopes: scopes,
            issuedAt: Date(), lifetime: 600, id: UUID().uuidString
        ), kid: "k1")
        var fields: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        if let key { fields[HTTPField.Name("Idempotency-Key")!] = key }
        return fields
    }

    static let body = #"{"shippingAddress":{"name":"Ada","street":"Storgatan 1","city":"Stockholm","postalCode":"111 22","country":"SE","destination":"SESTO"}}"#

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] ?? [:]
    }

    @Test func anOrderIsPlacedOncePerKeyAndShipsInTheBackground() async throws {
        try await run { client in
            #expect(try await client.execute(uri: "/orders", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: Self.body)).status == .unauthorized)
            let noKey = try await client.execute(uri: "/orders", method: .post, headers: try await Self.headers("u1"), body: ByteBuffer(string: Self.body))
            #expect(noKey.status == .preconditionRequired)
            let headers = try await Self.headers("u1", key: "key-1")
            let placed = try await client.execute(uri: "/orders", method: .post, headers: headers, body: ByteBuffer(string: Self.body))
            #expect(placed.status == .created)
            let id = try #require(try Self.object(placed)["id"] as? String)
            let again = try await client.execute(uri: "/orders", method: .post, headers: headers, body: ByteBuffer(string: Self.body))
            #expect(again.status == .ok)
            #expect(try Self.object(again)["id"] as? String == id)
            let other = try await client.execute(uri: "/orders", method: .post, headers: headers,
                                                 body: ByteBuffer(string: Self.body.replacingOccurrences(of: "SESTO", with: "FIHEL")))
            #expect(other.status == .unprocessableContent)

            var status = ""
            for _ in 0..<50 where status != "shipped" {
                try await Task.sleep(for: .milliseconds(50))
                status = try Self.object(try await client.execute(uri: "/orders/\(id)", method: .get, headers: headers))["status"] as? String ?? ""
            }
            #expect(status == "shipped")
            let order = try Self.object(try await client.execute(uri: "/orders/\(id)", method: .get, headers: headers))
            #expect((order["freight"] as? [String: Any])?["trackingId"] as? String == "0000CAFE")
            #expect(try await client.execute(uri: "/orders/\(id)", method: .get, headers: try await Self.headers("someone-else")).status == .notFound)
            #expect(try await client.execute(uri: "/orders/\(id)/cancel", method: .post, headers: headers).status == .conflict)
            let mine = try Self.object(try await client.execute(uri: "/orders", method: .get, headers: headers))
            #expect((mine["items"] as? [Any])?.count == 1)
            for _ in 0..<50 where !contexts.published.withLock({ $0.contains("OrderShipped") }) { try await Task.sleep(for: .milliseconds(50)) }
            #expect(contexts.published.withLock { $0 }.prefix(3) == ["OrderPlaced", "OrderConfirmed", "OrderShipped"])
        }
    }

    @Test func heldCheckoutsKeepNewOrdersPendingAndLoseNone() async throws {
        let edited = EditableSettings()
        edited.set("checkout.hold", to: "on")
        try await run(settings: edited.settings) { client in
            var ids: [String] = []
            for number in 1...3 {
                let placed = try await client.execute(uri: "/orders", method: .post, headers: try await Self.headers("u\(number)", key: "held-\(number)"),
                                                      body: ByteBuffer(string: Self.body))
                #expect(placed.status == .created)
                ids.append(try #require(try Self.object(placed)["id"] as? String))
            }
            func statuses() async throws -> [String] {
                var found: [String] = []
                for (index, id) in ids.enumerated() {
                    let order = try await client.execute(uri: "/orders/\(id)", method: .get, headers: try await Self.headers("u\(index + 1)"))
                    found.append(try Self.object(order)["status"] as? String ?? "")
                }
                return found
            }
            // Several rounds of the checkout worker (every 100 ms): held, nothing moves.
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await statuses() == ["pending", "pending", "pending"])
            #expect(!contexts.published.withLock { $0 }.contains("OrderConfirmed"))

            edited.set("checkout.hold", to: "off")
            var now: [String] = []
            for _ in 0..<60 {
                now = try await statuses()
                if now.allSatisfy({ $0 == "shipped" }) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(now == ["shipped", "shipped", "shipped"])
        }
    }

    @Test func administratorsListEveryCustomersOrdersByStatus() async throws {
        try await run { client in
            contexts.cartDown.withLock { $0 = false }
            for (customer, key) in [("u1", "a"), ("u2", "b"), ("u3", "c")] {
                let placed = try await client.execute(uri: "/orders", method: .post, headers: try await Self.headers(customer, key: key), body: ByteBuffer(string: Self.body))
                #expect(placed.status == .created)
            }
            let admin = try await Self.headers("root", roles: ["admin"])
            var shipped: [Any] = []
            for _ in 0..<50 where shipped.count < 3 {
                try await Task.sleep(for: .milliseconds(50))
                shipped = try Self.object(try await client.execute(uri: "/admin/orders?status=shipped", method: .get, headers: admin))["items"] as? [Any] ?? []
            }
            #expect(shipped.count == 3)
            let firstPage = try Self.object(try await client.execute(uri: "/admin/orders?status=shipped&limit=2", method: .get, headers: admin))
            #expect((firstPage["items"] as? [Any])?.count == 2)
            let cursor = try #require(firstPage["nextCursor"] as? String)
            let secondPage = try Self.object(try await client.execute(uri: "/admin/orders?status=shipped&limit=2&cursor=\(cursor)", method: .get, headers: admin))
            #expect((secondPage["items"] as? [Any])?.count == 1 && secondPage["nextCursor"] == nil)
            #expect((try Self.object(try await client.execute(uri: "/admin/orders?status=failed", method: .get, headers: admin))["items"] as? [Any])?.isEmpty == true)

            let customer = try await client.execute(uri: "/admin/orders", method: .get, headers: try await Self.headers("u1"))
            #expect(customer.status == .forbidden)
            let unknownStatus = try await client.execute(uri: "/admin/orders?status=lost", method: .get, headers: admin)
            #expect(unknownStatus.status == .badRequest && unknownStatus.headers[.contentType] == "application/problem+json")
            #expect(try await client.execute(uri: "/admin/orders?limit=0", method: .get, headers: admin).status.code / 100 == 4)
            #expect(try await client.execute(uri: "/admin/orders?cursor=garbage", method: .get, headers: admin).status.code / 100 == 4)
        }
    }

    @Test func badRequestsAreProblems() async throws {
        try await run { client in
            let headers = try await Self.headers("u2", key: "k")
            let badAddress = try await client.execute(uri: "/orders", method: .post, headers: headers,
                                                      body: ByteBuffer(string: Self.body.replacingOccurrences(of: "SESTO", with: "Stockholm")))
            #expect(badAddress.status == .unprocessableContent || badAddress.status == .badRequest)
            contexts.cartDown.withLock { $0 = true }
            let down = try await client.execute(uri: "/orders", method: .post, headers: try await Self.headers("u2", key: "k2"), body: ByteBuffer(string: Self.body))
            #expect(down.status == .serviceUnavailable)
            #expect(down.headers[.contentType] == "application/problem+json")
            #expect(try await client.execute(uri: "/orders/not-an-id", method: .get, headers: headers).status == .notFound)
            let event = try await client.execute(uri: "/events", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
            #expect(event.status == .forbidden, "only services deliver events")
        }
    }

    @Test func onlyTheContextThatOwnsAnEventMayDeliverIt() async throws {
        try await run { client in
            let envelope = #"{"id":"e-1","type":"CargoHandled","version":1,"occurredAt":"2026-11-30T10:00:00Z","source":"cargo-service","aggregateID":"ABC123","data":"{}"}"#
            func deliver(_ subject: String, scopes: [String]) async throws -> TestResponse {
                try await client.execute(uri: "/events", method: .post, headers: try await Self.headers(subject, roles: ["service"], scopes: scopes),
                                         body: ByteBuffer(string: envelope))
            }
            // A machine client without the cargo's publishing scope (say the product service's, or the order's own)
            // cannot make the order believe its cargo moved.
            let unscoped = try await deliver("product-service", scopes: [])
            #expect(unscoped.status == .forbidden)
            #expect(try Self.object(unscoped)["detail"] as? String
                == "CargoHandled is published by cargo-service only; delivering it needs the scope events:publish:cargo-service")
            #expect(try await deliver("order-service", scopes: ["events:publish:order-service", "stock:reserve"]).status == .forbidden)
            // The cargo service's client gets past the check (and this empty event is then refused for its data).
            #expect(try await deliver("cargo-service", scopes: ["events:publish:cargo-service"]).status == .unprocessableContent)
        }
    }

    @Test func aFollowerGetsTheOrdersNextChangeOrNotModified() async throws {
        let edited = EditableSettings()
        edited.set("checkout.hold", to: "on")
        try await run(settings: edited.settings) { client in
            let headers = try await Self.headers("u1", key: "follow-1")
            let placed = try await client.execute(uri: "/orders", method: .post, headers: headers, body: ByteBuffer(string: Self.body))
            let id = try #require(try Self.object(placed)["id"] as? String)
            let read = try await client.execute(uri: "/orders/\(id)", method: .get, headers: headers)
            let eTag = try #require(read.headers[.eTag])
            #expect(eTag.hasPrefix("\"") && eTag.hasSuffix("\""))
            func get(_ fields: [(String, String)], as subject: String = "u1") async throws -> (TestResponse, Duration) {
                var request = try await Self.headers(subject)
                for (name, value) in fields { request[HTTPField.Name(name)!] = value }
                let started = ContinuousClock.now
                return (try await client.execute(uri: "/orders/\(id)", method: .get, headers: request), started.duration(to: .now))
            }

            let (notModified, _) = try await get([("If-None-Match", eTag)])
            #expect(notModified.status == .notModified)
            #expect(notModified.headers[.eTag] == eTag)
            #expect(notModified.body.readableBytes == 0)
            #expect(try await get([("If-None-Match", "*")]).0.status == .notModified)
            #expect(try await get([("If-None-Match", #"W/"998", "999""#), ("Prefer", "wait=20")]).0.status == .ok)
            #expect(try await get([("If-None-Match", "W/\(eTag), \"999\"")]).0.status == .notModified)

            let (waitedOut, waited) = try await get([("If-None-Match", eTag), ("Prefer", "respond-async, wait=1")])
            #expect(waitedOut.status == .notModified)
            #expect(waited >= .milliseconds(900))

            // Held: the order stays pending until the customer cancels it while a follower waits.
            async let followed = get([("If-None-Match", eTag), ("Prefer", "wait=20")])
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.execute(uri: "/orders/\(id)/cancel", method: .post, headers: headers).status == .ok)
            let (changed, changedAfter) = try await followed
            #expect(changed.status == .ok)
            #expect(try Self.object(changed)["status"] as? String == "cancelled")
            #expect(changed.headers[.eTag] != eTag)
            #expect(changedAfter >= .milliseconds(250) && changedAfter < .seconds(5))

            // Through the gateway, the wait ends before the deadline the request carries.
            let (budgeted, budgetedWait) = try await get([("If-None-Match", try #require(changed.headers[.eTag])), ("Prefer", "wait=30"),
                                                          ("x-request-timeout-ms", "1500")])
            #expect(budgeted.status == .notModified)
            // The exact margin is checked below, without a clock; here only that it answers before the caller gives up.
            #expect(budgetedWait >= .milliseconds(900) && budgetedWait < .milliseconds(1500))

            let (otherCustomer, _) = try await get([("If-None-Match", eTag), ("Prefer", "wait=20")], as: "u2")
            #expect(otherCustomer.status == .notFound)
            for bad in [[("Prefer", "wait=soon")], [("Prefer", "wait=-1")], [("Prefer", "wait")], [("If-None-Match", "3")],
                        [("If-None-Match", #""3" "4""#)], [("If-None-Match", #""3"#)]] {
                let (refused, _) = try await get(bad)
                #expect(refused.status == .badRequest, "\(bad)")
                #expect(refused.headers[.contentType] == "application/problem+json", "\(bad)")
            }
        }
    }

    @Test func aWaitIsCappedAndEndsHalfASecondBeforeTheRequestsDeadline() {
        func allowed(_ asked: Duration, budgetMilliseconds: String?) -> Duration {
            var headers = HTTPFields()
            if let budgetMilliseconds { headers[HTTPField.Name(ServiceClient.timeoutHeader)!] = budgetMilliseconds }
            return RequestInfo.$current.withValue(RequestInfo(requestID: "r", clientAddress: nil, headers: headers)) {
                OrderAPI.allowedWait(asked)
            }
        }
        #expect(allowed(.seconds(10), budgetMilliseconds: nil) == .seconds(10))
        #expect(allowed(.seconds(600), budgetMilliseconds: nil) == OrderAPI.maximumWait)
        #expect(allowed(.seconds(30), budgetMilliseconds: "1500") == .milliseconds(1000))
        #expect(allowed(.seconds(1), budgetMilliseconds: "60000") == .seconds(1))
        #expect(allowed(.seconds(30), budgetMilliseconds: "300") == .zero)
        #expect(allowed(.seconds(30), budgetMilliseconds: "soon") == .seconds(30))
    }
}
