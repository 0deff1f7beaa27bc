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

    static func token(_ subject: String) async throws -> String {
        try await JWTKeyCollection().add(ecdsa: key, kid: "k1").sign(AccessTokenClaims(
            subject: subject, issuer: RuntimeSettings.defaultIssuer, audience: RuntimeSettings.defaultAudience, roles: ["customer"],
            issuedAt: Date(), lifetime: 600, id: UUID().uuidString
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
}
