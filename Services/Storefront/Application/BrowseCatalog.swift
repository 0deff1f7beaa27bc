import Foundation
import StorefrontDomain

/// What the catalog page shows: the categories as a tree, the chosen one, and a page of products.
public struct CatalogView: Sendable, Equatable {
    public struct CategoryEntry: Sendable, Equatable {
        public let category: ShopCategory
        /// How deep it sits below a root category (0 for a root).
        public let depth: Int
        public let isChosen: Bool
    }

    public let categories: [CategoryEntry]
    public let chosen: ShopCategory?
    public let page: CatalogPage
    public let query: CatalogQuery
}

/// The shop window: categories, search, sort and pages of the catalog.
public struct BrowseCatalog: Sendable {
    let catalog: any Catalog

    public init(catalog: any Catalog) { self.catalog = catalog }

    public func callAsFunction(_ query: CatalogQuery) async throws -> CatalogView {
        async let categories = catalog.categories()
        async let page = catalog.products(query)
        let all = try await categories
        let tree = Self.tree(all, chosen: query.category)
        return CatalogView(categories: tree, chosen: all.first { $0.slug == query.category }, page: try await page, query: query)
    }

    /// Roots first, each followed by its sub-categories, by name; a category whose parent is unknown counts as a root.
    static func tree(_ categories: [ShopCategory], chosen: String?) -> [CatalogView.CategoryEntry] {
        let ids = Set(categories.map(\.id))
        let children = Dictionary(grouping: categories) { category in category.parentID.flatMap { ids.contains($0) ? $0 : nil } ?? "" }
        var entries: [CatalogView.CategoryEntry] = []
        func visit(_ parent: String, depth: Int) {
            guard depth < 8 else { return }
            for category in (children[parent] ?? []).sorted(by: { $0.name < $1.name }) {
                entries.append(.init(category: category, depth: depth, isChosen: category.slug == chosen))
                visit(category.id, depth: depth + 1)
            }
        }
        visit("", depth: 0)
        return entries
    }
}

/// A product's page: the product and how many can be bought now.
public struct ViewProduct: Sendable {
    public struct View: Sendable, Equatable {
        public let product: ShopProduct
        /// `nil` when the stock is unknown.
        public let available: Int?
    }

    let catalog: any Catalog

    public init(catalog: any Catalog) { self.catalog = catalog }

    /// `nil` when the catalog does not sell it.
    public func callAsFunction(id: String) async throws -> View? {
        guard let product = try await catalog.product(id: id) else { return nil }
        return View(product: product, available: try await catalog.available(sku: product.sku))
    }
}
