import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import StorefrontDomain
import Synchronization
import Testing
import TradewindKernel

/// The catalog's administration as an administrator uses it, and what it refuses to anyone else.
@Suite struct CatalogAdminPagesTests {
    static let audio = StorefrontPagesTests.MemoryCatalog.audio

    func signedIn(_ email: String, _ browser: ShopperPagesTests.Browser) async throws {
        try await browser.get("/sign-in")
        _ = try await browser.post("/sign-in", ["email": email, "password": "long enough 1"])
    }

    func accounts() async throws -> MemoryAccounts {
        let accounts = MemoryAccounts()
        try await accounts.register(email: "admin@example.com", displayName: "Ada Admin", password: "long enough 1")
        try await accounts.register(email: "shopper@example.com", displayName: "Sam", password: "long enough 1")
        return accounts
    }

    @Test func anAdministratorAddsAProductGivesItStockChangesItAndTakesItOffTheCatalog() async throws {
        let administration = MemoryCatalogAdministration()
        try await StorefrontPagesTests().run(accounts: try await accounts(), administration: administration) { client in
            let browser = ShopperPagesTests.Browser(client)
            try await signedIn("admin@example.com", browser)
            #expect(String(buffer: try await browser.get("/").body).contains(#"<a href="/admin/products">Products</a>"#))
            try await browser.get("/admin/products/new")
            let product = ["sku": "mug-1", "name": "Harbour mug", "description": "Stoneware", "price": "12.5", "currency": "eur",
                           "categoryId": Self.audio, "imageUrls": "https://images.example.com/mug.jpg\n"]
            let bad = try await browser.post("/admin/products", product.merging(["price": "12.505", "sku": "-x", "imageUrls": "ftp://x/y"]) { $1 })
            let badPage = String(buffer: bad.body)
            #expect(bad.status == .unprocessableContent)
            #expect(badPage.contains(#"<span class="field-error" id="price-error">Enter the price in EUR with at most 2 decimals"#))
            #expect(badPage.contains(#"id="sku-error">A SKU is 2 to 40 characters"#) && badPage.contains(#"id="imageUrls-error">&#39;ftp://x/y&#39; is not"#))
            #expect(badPage.contains(#"value="Harbour mug""#), "what the administrator typed stays in the form")
            #expect(administration.state.withLock { $0.products.isEmpty }, "a refused form changes nothing")

            let created = try await browser.post("/admin/products", product)
            #expect(created.status == .seeOther)
            let location = try #require(created.headers[.location])
            let stored = try #require(administration.state.withLock { $0.products.values.first })
            #expect(location == "/admin/products/\(stored.id)")
            #expect(stored.sku == "MUG-1" && stored.price == Money(minorUnits: 1250, currency: Currency("EUR")!) && stored.imageURLs == ["https://images.example.com/mug.jpg"])

            let page = String(buffer: try await browser.get(location).body)
            #expect(page.contains("Harbour mug is in the catalog") && page.contains(#"value="12.50""#) && page.contains("No stock yet."))
            let version = try #require(page.range(of: #"name="version" value=""#).map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
            #expect(version == "&quot;1&quot;")
            let duplicate = try await browser.post("/admin/products", product)
            #expect(duplicate.status == .unprocessableContent && String(buffer: duplicate.body).contains(#"id="sku-error">A product with this SKU exists already."#))

            #expect(try await browser.post("\(location)/stock", ["onHand": "40"]).status == .seeOther)
            administration.hold(5, of: "MUG-1")
            let stocked = String(buffer: try await browser.get(location).body)
            #expect(stocked.contains(#"<dd class="on-hand">40</dd>"#) && stocked.contains(#"<dd class="available">35</dd>"#))
            let below = try await browser.post("\(location)/stock", ["onHand": "3"])
            #expect(below.status == .unprocessableContent && String(buffer: below.body).contains(#"id="onHand-error">On hand cannot go below the 5 units"#))
            #expect(try await browser.post("\(location)/stock", ["onHand": "many"]).status == .unprocessableContent)
            #expect(administration.state.withLock { $0.stock["MUG-1"]?.onHand } == 40)

            var edit = product
            edit["version"] = "\"1\""
            edit["price"] = "14"
            #expect(try await browser.post(location, edit).status == .seeOther)
            #expect(administration.state.withLock { $0.products[stored.id]?.price.minorUnits } == 1400)

            // Another administrator saves in between: the change based on the older version is not made.
            administration.changeBehindTheirBack(id: stored.id, name: "Harbour mug, large")
            edit["version"] = "\"2\""
            edit["name"] = "Mine wins"
            let stale = try await browser.post(location, edit)
            let stalePage = String(buffer: stale.body)
            #expect(stale.status == .conflict && stalePage.contains("Someone changed this product since you opened it"))
            #expect(stalePage.contains(#"value="Harbour mug, large""#) && stalePage.contains(#"name="version" value="&quot;3&quot;""#))
            #expect(administration.state.withLock { $0.products[stored.id]?.name } == "Harbour mug, large")

            #expect(try await browser.post("\(location)/listing", ["version": "\"3\"", "listed": "false"]).status == .seeOther)
            let unlisted = String(buffer: try await browser.get(location).body)
            #expect(unlisted.contains("Off the catalog:") && unlisted.contains("Put back in the catalog"))
            #expect(String(buffer: try await browser.get("/admin/products").body).contains(#"<tr class="unlisted"><td class="sku">MUG-1</td>"#))
            #expect(try await browser.post("\(location)/listing", ["version": "\"4\"", "listed": "true"]).status == .seeOther)
            #expect(administration.state.withLock { $0.products[stored.id]?.active } == true)
            #expect(try await browser.get("/admin/products/\(UUID().uuidString)").status == .notFound)
        }
    }

    @Test func aCustomerIsRefusedAndAGuestIsSentToSignIn() async throws {
        let administration = MemoryCatalogAdministration()
        try await StorefrontPagesTests().run(accounts: try await accounts(), administration: administration) { client in
            let browser = ShopperPagesTests.Browser(client)
            #expect(try await browser.get("/admin/products").headers[.location] == "/sign-in?next=/admin/products")
            try await signedIn("shopper@example.com", browser)
            let list = try await browser.get("/admin/products")
            #expect(list.status == .forbidden && String(buffer: list.body).contains("Only administrators manage products and stock."))
            #expect(!String(buffer: try await browser.get("/").body).contains(#"href="/admin/products""#))
            let post = try await browser.post("/admin/products", ["sku": "MUG-2", "name": "Mug", "price": "1", "currency": "EUR", "categoryId": Self.audio])
            #expect(post.status == .forbidden)
            #expect(administration.state.withLock { $0.products.isEmpty })
        }
    }
}
