import CartApplication
import CartDomain
import CartServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

final class StubCatalog: ProductCatalog {
    let prices = Mutex<[String: Int64]>(["AUD-1": 12900, "BOK-1": 5490])
    let down = Mutex(false)

    func entries(for skus: [String]) async throws -> [String: CatalogEntry] {
        if down.withLock({ $0 }) { throw CartError.catalogUnavailable }
        let known = prices.withLock { $0 }
        var found: [String: CatalogEntry] = [:]
        for sku in skus { if let cents = known[sku] { found[sku] = CatalogEntry(sku: sku, name: sku, price: Money(minorUnits: cents, currency: Currency("EUR")!), active: true, available: 10) } }
        return found
    }
}

@Suite struct CartAPITests {
    static let key = ES256PrivateKey()
    let catalog = StubCatalog()

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "cart-test")
        logger.logLevel = .warning
        let app = try await CartService.buildApplication(
            CartServiceConfiguration(runtime: RuntimeSettings(serviceName: "cart-service", port: 0, database: .sqliteInMemory)),
            keys: LocalKeySource(await .ecdsa([("k1", Self.key.publicKey)])), catalog: catalog, logger: logger
        )
        try await app.test(.router, test)
    }

    static func token(_ subject: String, roles: [String] = ["customer"], scopes: [String] = []) async throws -> String {
        try await JWTKeyCollection().add(ecdsa: key, kid: "k1").sign(AccessTokenClaims(
            subject: subject, issuer: RuntimeSettings.defaultIssuer, audience: RuntimeSettings.defaultAudience, roles: roles,
            scopes: scopes, issuedAt: Date(), lifetime: 600, id: UUID().uuidString
        ), kid: "k1")
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] ?? [:]
    }

    @Test func aGuestShopsSignsInAndTheCartFollows() async throws {
        try await run { client in
            let opened = try await client.execute(uri: "/carts", method: .post)
            #expect(opened.status == .created)
            let guestToken = try #require(try Self.object(opened)["cartToken"] as? String)
            let guest: HTTPFields = [HTTPField.Name("X-Cart-Token")!: guestToken, .contentType: "application/json"]
            let added = try await client.execute(uri: "/carts/current/items", method: .post, headers: guest, body: ByteBuffer(string: #"{"sku":"AUD-1","quantity":2}"#))
            #expect(added.status == .ok)
            #expect((try Self.object(added)["total"] as? [String: Any])?["amount"] as? Int == 25800)

            let user: HTTPFields = [.authorization: "Bearer \(try await Self.token("user-1"))", .contentType: "application/json"]
            _ = try await client.execute(uri: "/carts/current/items", method: .post, headers: user, body: ByteBuffer(string: #"{"sku":"BOK-1","quantity":1}"#))
            let merged = try await client.execute(uri: "/carts/current/merge", method: .post, headers: user, body: ByteBuffer(string: #"{"cartToken":"\#(guestToken)"}"#))
            #expect(merged.status == .ok)
            #expect(try Self.object(merged)["itemCount"] as? Int == 3)

            catalog.prices.withLock { $0["AUD-1"] = 9900 }
            let repriced = try Self.object(try await client.execute(uri: "/carts/current", method: .get, headers: user))
            #expect(repriced["priceChanges"] as? Int == 1)
            #expect((repriced["total"] as? [String: Any])?["amount"] as? Int == 2 * 9900 + 5490)

            catalog.down.withLock { $0 = true }
            let stale = try await client.execute(uri: "/carts/current", method: .get, headers: user)
            #expect(stale.status == .ok)
            #expect(try Self.object(stale)["pricesAreStale"] as? Bool == true)
            let refused = try await client.execute(uri: "/carts/current/items", method: .post, headers: user, body: ByteBuffer(string: #"{"sku":"BOK-1","quantity":1}"#))
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func badRequestsAreProblemsAndChangeNothing() async throws {
        try await run { client in
            #expect(try await client.execute(uri: "/carts/current", method: .get).status == .unauthorized)
            let user: HTTPFields = [.authorization: "Bearer \(try await Self.token("user-2"))", .contentType: "application/json"]
            for (body, status) in [(#"{"sku":"AUD-1","quantity":0}"#, 422), (#"{"sku":"AUD-1","quantity":100}"#, 422), (#"{"sku":"NOPE-1","quantity":1}"#, 422),
                                   (#"{"sku":"AUD-1"}"#, 400), (#"{"sku":"AUD-1","quantity":"two"}"#, 400), ("not json", 400)] {
                let response = try await client.execute(uri: "/carts/current/items", method: .post, headers: user, body: ByteBuffer(string: body))
                #expect(response.status.code == status, "\(body)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(body)")
            }
            #expect(try Self.object(try await client.execute(uri: "/carts/current", method: .get, headers: user))["itemCount"] as? Int == 0)
            #expect(try await client.execute(uri: "/carts/current/items/AUD-1", method: .delete, headers: user).status == .notFound)
            let merge = try await client.execute(uri: "/carts/current/merge", method: .post, headers: user, body: ByteBuffer(string: #"{"cartToken":"unknown"}"#))
            #expect(merge.status == .notFound)
            let guestMerge = try await client.execute(uri: "/carts/current/merge", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"cartToken":"x"}"#))
            #expect(guestMerge.status == .unauthorized)
            let badToken = try await client.execute(uri: "/carts/current", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(badToken.status == .unauthorized)
        }
    }

    /// The order service reads the carts of the orders placed together in one request, each as its user would see it.
    @Test func severalUsersCartsAreReadAtOnceWithTheScopeForIt() async throws {
        try await run { client in
            for (user, sku, quantity) in [("user-1", "AUD-1", 2), ("user-2", "BOK-1", 1)] {
                let headers: HTTPFields = [.authorization: "Bearer \(try await Self.token(user))", .contentType: "application/json"]
                let added = try await client.execute(uri: "/carts/current/items", method: .post, headers: headers,
                                                     body: ByteBuffer(string: #"{"sku":"\#(sku)","quantity":\#(quantity)}"#))
                try #require(added.status == .ok)
            }
            catalog.prices.withLock { $0["AUD-1"] = 9900 }
            let reader: HTTPFields = [
                .authorization: "Bearer \(try await Self.token("order-service", roles: ["service"], scopes: [Scope.readCarts]))",
                .contentType: "application/json",
            ]
            func read(_ body: String, as headers: HTTPFields = reader) async throws -> TestResponse {
                try await client.execute(uri: "/cart-reads", method: .post, headers: headers, body: ByteBuffer(string: body))
            }
            let answer = try await read(#"{"users":["user-2","user-3","user-1","user-2"]}"#)
            #expect(answer.status == .ok)
            let carts = try #require(try Self.object(answer)["carts"] as? [[String: Any]])
            #expect(carts.map { $0["user"] as? String } == ["user-2", "user-3", "user-1", "user-2"])
            let shown = carts.map { $0["cart"] as? [String: Any] ?? [:] }
            #expect(shown.map { $0["itemCount"] as? Int } == [1, 0, 2, 1])
            #expect((shown[2]["total"] as? [String: Any])?["amount"] as? Int == 2 * 9900, "today's price, as GET /carts/current shows it")
            #expect(shown[2]["priceChanges"] as? Int == 1)
            #expect(shown.allSatisfy { $0["pricesAreStale"] as? Bool == false })

            catalog.down.withLock { $0 = true }
            let stale = try #require(try Self.object(try await read(#"{"users":["user-1","user-3"]}"#))["carts"] as? [[String: Any]])
            #expect(stale.map { ($0["cart"] as? [String: Any])?["pricesAreStale"] as? Bool } == [true, false])
            catalog.down.withLock { $0 = false }

            // Only the admin role or the carts:read scope reads other users' carts.
            let customer: HTTPFields = [.authorization: "Bearer \(try await Self.token("user-1"))", .contentType: "application/json"]
            let otherService: HTTPFields = [
                .authorization: "Bearer \(try await Self.token("cargo-service", roles: ["service"], scopes: [Scope.reserveStock]))",
                .contentType: "application/json",
            ]
            let admin: HTTPFields = [.authorization: "Bearer \(try await Self.token("admin-1", roles: ["admin"]))", .contentType: "application/json"]
            #expect(try await read(#"{"users":["user-2"]}"#, as: [.contentType: "application/json"]).status == .unauthorized)
            for refused in [customer, otherService] {
                let response = try await read(#"{"users":["user-2"]}"#, as: refused)
                #expect(response.status == .forbidden)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect(try await read(#"{"users":["user-2"]}"#, as: admin).status == .ok)

            let tooMany = "{\"users\":[\(Array(repeating: "\"u\"", count: 101).joined(separator: ","))]}"
            let longName = String(repeating: "u", count: 201)
            for (body, status) in [(#"{"users":[]}"#, 422), (tooMany, 422), (#"{"users":["user-1",""]}"#, 422), (#"{"users":["\#(longName)"]}"#, 422), (#"{"users":["user-1\u0000"]}"#, 422),
                                   (#"{"users":"user-1"}"#, 400), (#"{}"#, 400), ("not json", 400)] {
                let response = try await read(body)
                #expect(response.status.code == status, "\(body.prefix(40))")
                #expect(response.headers[.contentType] == "application/problem+json", "\(body.prefix(40))")
                if status == 422 { #expect((try Self.object(response)["detail"] as? String)?.contains("user") == true) }
            }
            let unchanged = try Self.object(try await client.execute(uri: "/carts/current", method: .get, headers: customer))
            #expect(unchanged["itemCount"] as? Int == 2)
        }
    }
}
