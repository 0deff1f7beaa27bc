import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import StorefrontDomain
import StorefrontServer
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// The pages as a browser gets them, over a catalog that answers from memory.
@Suite struct StorefrontPagesTests {
    final class MemoryCatalog: Catalog {
        let down: Bool
        init(down: Bool = false) { self.down = down }

        static let audio = "5d1c0e3a-0000-4000-8000-00000000a0d1"
        static let headphones = ShopProduct(
            id: "7b3c8a52-0000-4000-8000-000000000001", sku: "AUD-1", name: "Headphones <b>Pro</b>", description: "Closed-back & quiet",
            price: Money(minorUnits: 12900, currency: Currency("EUR")!), categoryID: MemoryCatalog.audio, imageURLs: []
        )

        func categories() async throws -> [ShopCategory] {
            if down { throw StorefrontError.unavailable("the catalog is not answering") }
            return [ShopCategory(id: Self.audio, name: "Audio", slug: "audio", parentID: nil)]
        }

        func products(_ query: CatalogQuery) async throws -> CatalogPage {
            if down { throw StorefrontError.unavailable("the catalog is not answering") }
            return CatalogPage(products: query.words == "nothing" ? [] : [Self.headphones], nextCursor: query.cursor == nil ? "page-2" : nil)
        }

        func product(id: String) async throws -> ShopProduct? { id == Self.headphones.id ? Self.headphones : nil }
        func available(sku: String) async throws -> Int? { 3 }
    }

    func run(
        _ catalog: MemoryCatalog = MemoryCatalog(), accounts: MemoryAccounts = MemoryAccounts(), carts: MemoryCarts = MemoryCarts(),
        operations: MemoryCargoOperations = MemoryCargoOperations(), administration: MemoryCatalogAdministration = MemoryCatalogAdministration(),
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var logger = Logger(label: "storefront-test")
        logger.logLevel = .warning
        let app = try await StorefrontService.buildApplication(
            StorefrontConfiguration(runtime: RuntimeSettings(serviceName: "storefront", port: 0, database: .sqliteInMemory)),
            keys: LocalKeySource(await .ecdsa([])),
            contexts: .init(catalog: catalog, accounts: accounts, carts: carts, orders: MemoryOrders(carts: carts), freight: MemoryFreight(),
                            operations: operations, administration: administration), logger: logger
        )
        try await app.test(.router, test)
    }

    @Test func theCatalogIsAnHTMLPageWithEverythingEscaped() async throws {
        try await run { client in
            let page = try await client.execute(uri: "/?category=audio&sort=-price", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            let html = String(buffer: page.body)
            #expect(html.contains("Headphones &lt;b&gt;Pro&lt;/b&gt;") && !html.contains("<b>Pro</b>"), "names are escaped")
            #expect(html.contains(#"<a href="/products/7b3c8a52-0000-4000-8000-000000000001">"#))
            #expect(html.contains(#"aria-current="page">Audio</a>"#))
            #expect(html.contains(#"<option value="-price" selected>"#))
            #expect(html.contains(#"rel="next" href="/?category=audio&amp;sort=-price&amp;after=page-2""#))
            #expect(html.contains(#"<label for="q""#) && html.contains("<h1"), "labelled fields and a heading")
        }
    }

    @Test func aProductPageShowsItsStockAndAnUnknownOneIsANotFoundPage() async throws {
        try await run { client in
            let page = try await client.execute(uri: "/products/\(MemoryCatalog.headphones.id)", method: .get)
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("Only 3 left"))
            let missing = try await client.execute(uri: "/products/no-such-product", method: .get)
            #expect(missing.status == .notFound && missing.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(buffer: missing.body).contains("does not sell this product"))
            let nowhere = try await client.execute(uri: "/no/such/page", method: .get)
            #expect(nowhere.status == .notFound && nowhere.headers[.contentType] == "text/html; charset=utf-8", "a person gets a page, not problem+json")
            #expect(String(buffer: nowhere.body).contains("The shop has no page at this address."))
        }
    }

    @Test func aBadSearchAndAnUnavailableCatalogAreExplainedOnAPage() async throws {
        try await run { client in
            let bad = try await client.execute(uri: "/?category=%3Cscript%3E", method: .get)
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("is not a category"))
            #expect(!String(buffer: bad.body).contains("<script>"))
        }
        try await run(MemoryCatalog(down: true)) { client in
            let down = try await client.execute(uri: "/", method: .get)
            #expect(down.status == .serviceUnavailable && String(buffer: down.body).contains("Please try again"))
        }
    }
}
