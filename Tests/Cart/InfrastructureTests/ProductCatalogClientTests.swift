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
    static func catalogApp(failing: Bool = false) -> some ApplicationProtocol {
        let router = Router()
        router.get("/products/by-sku/{sku}") { _, context -> Response in
            if failing { return Response(status: .internalServerError) }
            let sku = context.parameters.get("sku") ?? ""
            guard sku.hasPrefix("KNOWN") else {
                // As the product service answers it: a problem document (the generated client reads it as such).
                let problem = #"{"type":"urn:tradewind:problem:not-found","title":"Not found","status":404,"detail":"no product"}"#
                return Response(status: .notFound, headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(string: problem)))
            }
            let json = #"{"id":"x","sku":"\#(sku)","name":"Kettle \#(sku)","description":"","price":{"amount":3990,"currency":"EUR"},"categoryId":"c","attributes":{},"imageUrls":[],"active":true,"version":1,"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.get("/inventory/{sku}") { _, context -> Response in
            let sku = context.parameters.get("sku") ?? ""
            let json = #"{"sku":"\#(sku)","onHand":7,"reserved":2,"available":5}"#
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
        try await Self.catalogApp().test(.live) { client in
            let entries = try await Self.catalog(port: client.port!).entries(for: ["KNOWN-1", "KNOWN-2", "GONE-1", "../etc", "known-lower"])
            #expect(entries.keys.sorted() == ["KNOWN-1", "KNOWN-2"])
            #expect(entries["KNOWN-1"] == CatalogEntry(sku: "KNOWN-1", name: "Kettle KNOWN-1", price: Money(minorUnits: 3990, currency: Currency("EUR")!), active: true, available: 5))
        }
    }

    @Test func aFailingOrUnreachableCatalogIsUnavailableNotEmpty() async throws {
        try await Self.catalogApp(failing: true).test(.live) { client in
            await #expect(throws: CartError.catalogUnavailable) { try await Self.catalog(port: client.port!).entries(for: ["KNOWN-1"]) }
        }
        let nobody = ProductCatalogClient(client: ServiceClient(discovery: StaticDiscovery([:]), logger: Logger(label: "test")))
        await #expect(throws: CartError.catalogUnavailable) { try await nobody.entries(for: ["KNOWN-1"]) }
    }
}
