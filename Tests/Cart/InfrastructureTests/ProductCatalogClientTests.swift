import CartDomain
import CartInfrastructure
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime

/// The anti-corruption layer against a stand-in for the product service on 127.0.0.1.
@Suite struct ProductCatalogClientTests {
    /// The SKUs of each call the stand-in received.
    final class Calls: Sendable {
        let asked = Mutex<[[String]]>([])
    }

    /// Holds the stand-in's answers until opened (bounded: it opens by itself after ten seconds).
    final class Gate: Sendable {
        private let open = Mutex(false)
        func release() { open.withLock { $0 = true } }
        func wait() async throws {
            for _ in 0..<1_000 where !open.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    static func catalogApp(failing: Bool = false, calls: Calls = Calls(), answeringWhen gate: Gate? = nil) -> some ApplicationProtocol {
        let router = Router()
        router.get("/products/by-sku") { request, _ -> Response in
            if failing { return Response(status: .internalServerError) }
            let skus = request.uri.queryParameters.getAll("sku").map { String($0) }
            calls.asked.withLock { $0.append(skus) }
            try await gate?.wait()
            // As the product service answers: only the SKUs it sells, each with its stock.
            let items = skus.filter { $0.hasPrefix("KNOWN") }.map { sku in
                #"{"product":{"id":"x","sku":"\#(sku)","name":"Kettle \#(sku)","description":"","price":{"amount":3990,"currency":"EUR"},"categoryId":"c","attributes":{},"imageUrls":[],"active":true,"version":1,"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"},"stock":{"sku":"\#(sku)","onHand":7,"reserved":2,"available":5}}"#
            }
            let json = #"{"items":[\#(items.joined(separator: ","))]}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func catalog(port: Int) -> ProductCatalogClient {
        ProductCatalogClient(client: ServiceClient(
            discovery: StaticDiscovery(["product-service": ["http://127.0.0.1:\(port)"]]),
            configuration: .init(retry: RetryPolicy(maximumAttempts: 1), defaultTimeout: .seconds(2)), logger: Logger(label: "test")
        ))
    }

    @Test func translatesProductsAndStockAndLeavesOutUnknownSKUs() async throws {
        let calls = Calls()
        try await Self.catalogApp(calls: calls).test(.live) { client in
            let entries = try await Self.catalog(port: client.port!)
                .entries(for: ["KNOWN-1", "KNOWN-2", "GONE-1", "KNOWN-1", "../etc", "known-lower", "-KNOWN"])
            #expect(entries.keys.sorted() == ["KNOWN-1", "KNOWN-2"])
            #expect(entries["KNOWN-1"] == CatalogEntry(sku: "KNOWN-1", name: "Kettle KNOWN-1", price: Money(minorUnits: 3990, currency: Currency("EUR")!), active: true, available: 5))
        }
        #expect(calls.asked.withLock { $0 } == [["KNOWN-1", "KNOWN-2", "GONE-1"]], "one call for the cart, without SKUs the catalog would refuse")
    }

    @Test func aLargeCartIsAskedForInCallsOfFifty() async throws {
        let calls = Calls()
        let skus = (1...120).map { "KNOWN-\($0)" }
        try await Self.catalogApp(calls: calls).test(.live) { client in
            let entries = try await Self.catalog(port: client.port!).entries(for: skus)
            #expect(entries.count == 120)
        }
        #expect(calls.asked.withLock { $0.map(\.count) } == [50, 50, 20])
        #expect(calls.asked.withLock { $0.flatMap { $0 } } == skus)
    }

    @Test func cartsLookedUpTogetherShareCallsAndEachGetsItsOwnSKUs() async throws {
        let calls = Calls()
        let gate = Gate()
        let carts = (1...12).map { ["KNOWN-\($0)", "KNOWN-SHARED", "GONE-\($0)"] }
        try await Self.catalogApp(calls: calls, answeringWhen: gate).test(.live) { client in
            let catalog = Self.catalog(port: client.port!)
            try await withThrowingTaskGroup(of: (Int, [String: CatalogEntry]).self) { group in
                func lookUp(_ index: Int) { group.addTask { (index, try await catalog.entries(for: carts[index])) } }
                // The first two go out alone and are held; the other ten wait for them, then go out together.
                lookUp(0)
                lookUp(1)
                for _ in 0..<500 where calls.asked.withLock({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
                for index in 2..<carts.count { lookUp(index) }
                for _ in 0..<500 where catalog.queuedLookUps < 10 { try await Task.sleep(for: .milliseconds(10)) }
                gate.release()
                for try await (index, entries) in group {
                    #expect(entries.keys.sorted() == ["KNOWN-\(index + 1)", "KNOWN-SHARED"].sorted(), "cart \(index)")
                    #expect(entries["KNOWN-\(index + 1)"]?.name == "Kettle KNOWN-\(index + 1)")
                }
            }
        }
        // Each of the two calls in flight hands the waiting look-ups over as it returns: one call for all ten, or two.
        let asked = calls.asked.withLock { $0 }
        let together = asked.dropFirst(2)
        #expect((1...2).contains(together.count), "two alone, then the ten in one or two calls: \(asked)")
        #expect(Set(together.joined()) == Set(carts[2...].joined()), "every SKU of the ten asked for: \(asked)")
        #expect(together.allSatisfy { Set($0).count == $0.count }, "each SKU once in a call: \(asked)")
    }

    @Test func aFailingOrUnreachableCatalogIsUnavailableNotEmpty() async throws {
        try await Self.catalogApp(failing: true).test(.live) { client in
            await #expect(throws: CartError.catalogUnavailable) { try await Self.catalog(port: client.port!).entries(for: ["KNOWN-1"]) }
        }
        let nobody = ProductCatalogClient(client: ServiceClient(discovery: StaticDiscovery([:]), logger: Logger(label: "test")))
        await #expect(throws: CartError.catalogUnavailable) { try await nobody.entries(for: ["KNOWN-1"]) }
    }
}
