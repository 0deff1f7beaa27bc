import ProductDomain
import TradewindKernel

/// Catalog reads: search with filters and a stable cursor order, and single products by id or SKU.
/// Inactive products are visible to administrators only.
public struct BrowseProducts: Sendable {
    public struct Search: Sendable {
        public var text: String?
        public var categorySlug: String?
        public var minimumPrice: Int64?
        public var maximumPrice: Int64?
        public var currency: String?
        public var includeInactive: Bool
        public var sort: ProductSort
        public var page: PageRequest

        public init(text: String? = nil, categorySlug: String? = nil, minimumPrice: Int64? = nil, maximumPrice: Int64? = nil,
                    currency: String? = nil, includeInactive: Bool = false, sort: ProductSort = .name, page: PageRequest = PageRequest()) {
            self.text = text
            self.categorySlug = categorySlug
            self.minimumPrice = minimumPrice
            self.maximumPrice = maximumPrice
            self.currency = currency
            self.includeInactive = includeInactive
            self.sort = sort
            self.page = page
        }
    }

    let products: any ProductRepository
    let categories: any CategoryRepository

    public init(products: any ProductRepository, categories: any CategoryRepository) {
        self.products = products
        self.categories = categories
    }

    public func search(_ search: Search, caller: Caller) async throws -> Page<Product> {
        if search.includeInactive, !caller.isAdmin { throw ProductError.forbidden("only administrators see inactive products") }
        for (field, bound) in [("minPrice", search.minimumPrice), ("maxPrice", search.maximumPrice)] where (bound ?? 0) < 0 {
            throw ProductError.invalid(field: field, reason: "must not be negative")
        }
        if let low = search.minimumPrice, let high = search.maximumPrice, low > high {
            throw ProductError.invalid(field: "minPrice", reason: "must not be greater than maxPrice")
        }
        var query = ProductQuery(
            minimumPrice: search.minimumPrice, maximumPrice: search.maximumPrice, includeInactive: search.includeInactive,
            sort: search.sort, page: search.page
        )
        if let text = search.text?.trimmingWhitespace, !text.isEmpty {
            guard text.count <= 100 else { throw ProductError.invalid(field: "q", reason: "must be at most 100 characters") }
            query.text = text
        }
        if let code = search.currency {
            guard let currency = Currency(code) else { throw ProductError.invalid(field: "currency", reason: "must be an ISO 4217 code such as EUR") }
            query.currency = currency
        }
        if let slug = search.categorySlug {
            // An unknown category is an empty result, not an error: links to old categories keep working.
            guard let root = try await categories.category(withSlug: try Slug(slug)) else { return Page(items: [], nextCursor: nil) }
            query.categories = try await categories.all().subtree(of: root.id)
        }
        return try await products.search(query)
    }

    public func product(_ id: ProductID, caller: Caller) async throws -> Product {
        try visible(try await products.product(withID: id), to: caller)
    }

    public func product(sku: SKU, caller: Caller) async throws -> Product {
        try visible(try await products.product(withSKU: sku), to: caller)
    }

    private func visible(_ product: Product?, to caller: Caller) throws -> Product {
        guard let product, product.details.active || caller.isAdmin else { throw ProductError.productNotFound }
        return product
    }
}
