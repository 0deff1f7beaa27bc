import Foundation
import StorefrontApplication
import StorefrontDomain
import Testing
import TradewindKernel

/// The catalog as a test sees it: fixed categories and products, and a switch to make it unavailable.
final class FixedCatalog: Catalog {
    let categoryList: [ShopCategory]
    let listed: [ShopProduct]
    let stock: [String: Int]
    let down: Bool

    init(categories: [ShopCategory] = FixedCatalog.sampleCategories, products: [ShopProduct] = FixedCatalog.sampleProducts,
         stock: [String: Int] = ["AUD-1": 3], down: Bool = false) {
        categoryList = categories
        listed = products
        self.stock = stock
        self.down = down
    }

    static let sampleCategories = [
        ShopCategory(id: "c-audio", name: "Audio", slug: "audio", parentID: nil),
        ShopCategory(id: "c-head", name: "Headphones", slug: "headphones", parentID: "c-audio"),
        ShopCategory(id: "c-books", name: "Books", slug: "books", parentID: nil),
        ShopCategory(id: "c-lost", name: "Adrift", slug: "adrift", parentID: "c-gone"),
    ]

    static let sampleProducts = [
        ShopProduct(id: "7b3c8a52-0000-4000-8000-000000000001", sku: "AUD-1", name: "Headphones <Pro>", description: "Closed-back & quiet",
                    price: Money(minorUnits: 12900, currency: Currency("EUR")!), categoryID: "c-head", imageURLs: []),
    ]

    func categories() async throws -> [ShopCategory] {
        if down { throw StorefrontError.unavailable("the catalog is not answering") }
        return categoryList
    }

    func products(_ query: CatalogQuery) async throws -> CatalogPage {
        if down { throw StorefrontError.unavailable("the catalog is not answering") }
        let found = listed.filter { product in query.words.map { product.name.localizedCaseInsensitiveContains($0) } ?? true }
        return CatalogPage(products: found, nextCursor: found.isEmpty ? nil : "next-page")
    }

    func product(id: String) async throws -> ShopProduct? { listed.first { $0.id == id } }

    func available(sku: String) async throws -> Int? { stock[sku] }
}

@Suite struct BrowseCatalogTests {
    @Test func categoriesFormATreeWithTheChosenOneMarked() async throws {
        let view = try await BrowseCatalog(catalog: FixedCatalog())(try CatalogQuery(words: nil, category: "headphones"))
        #expect(view.categories.map { "\($0.depth):\($0.category.slug)" } == ["0:adrift", "0:audio", "1:headphones", "0:books"])
        #expect(view.categories.filter(\.isChosen).map(\.category.slug) == ["headphones"])
        #expect(view.chosen?.name == "Headphones")
    }

    @Test func aProductComesWithItsStock() async throws {
        let view = try #require(try await ViewProduct(catalog: FixedCatalog())(id: FixedCatalog.sampleProducts[0].id))
        #expect(view.available == 3)
        #expect(try await ViewProduct(catalog: FixedCatalog())(id: "unknown") == nil)
    }
}
