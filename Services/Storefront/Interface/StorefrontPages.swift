import Foundation
import Hummingbird
import StorefrontApplication
import StorefrontDomain
import TradewindKernel
import TradewindRuntime

/// The shopper's pages, rendered on the server: the catalog at `/` (categories, search, sort, pages) and each
/// product's page with its stock. A problem is a page that says what went wrong, never a stack trace.
public enum StorefrontPages {
    public struct UseCases: Sendable {
        let browse: BrowseCatalog
        let viewProduct: ViewProduct

        public init(browse: BrowseCatalog, viewProduct: ViewProduct) {
            self.browse = browse
            self.viewProduct = viewProduct
        }
    }

    public static let accessPolicy = AccessPolicy([
        "GET /": .open,
        "GET /products/{id}": .open,
        "GET /static/site.css": .open,
    ])

    public static func register(_ useCases: UseCases, renderer: PageRenderer, stylesheet: String, on router: Router<ServiceRequestContext>) {
        router.get("/") { request, _ -> HTMLPage in
            let parameters = request.uri.queryParameters
            let query: CatalogQuery
            do {
                query = try CatalogQuery(
                    words: parameters["q"].map(String.init), category: parameters["category"].map(String.init),
                    sort: parameters["sort"].flatMap { CatalogSort(rawValue: String($0)) } ?? .name,
                    cursor: parameters["after"].map(String.init)
                )
            } catch {
                return try problemPage(renderer, error)
            }
            do {
                return try renderer.page("catalog", CatalogPageModel(try await useCases.browse(query)))
            } catch {
                return try problemPage(renderer, error)
            }
        }

        router.get("/products/:id") { _, context -> HTMLPage in
            let id = context.parameters.get("id") ?? ""
            do {
                guard let view = try await useCases.viewProduct(id: id) else {
                    return try renderer.page("problem", ProblemModel(title: "Not found", detail: "The shop does not sell this product."), status: .notFound)
                }
                return try renderer.page("product", ProductPageModel(view))
            } catch {
                return try problemPage(renderer, error)
            }
        }

        router.get("/static/site.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: stylesheet)))
        }
    }

    static func problemPage(_ renderer: PageRenderer, _ error: any Error) throws -> HTMLPage {
        switch error {
        case StorefrontError.invalidQuery(let detail):
            return try renderer.page("problem", ProblemModel(title: "That search cannot be shown", detail: detail), status: .badRequest)
        case StorefrontError.unavailable(let detail):
            return try renderer.page("problem", ProblemModel(title: "Please try again in a moment", detail: "\(detail)."), status: .serviceUnavailable)
        default:
            throw error
        }
    }
}

// MARK: What the templates see

struct ProblemModel {
    let title: String
    let detail: String
}

struct ProductCard {
    let id: String
    let name: String
    let price: String
    let image: String?

    init(_ product: ShopProduct) {
        id = product.id
        name = product.name
        price = product.price.description
        image = product.imageURLs.first
    }
}

struct CatalogPageModel {
    struct CategoryLink {
        let name: String
        let href: String
        let chosen: Bool
        let indent: Int
    }

    struct SortChoice {
        let value: String
        let label: String
        let selected: Bool
    }

    let title: String
    let words: String?
    let category: String?
    let categories: [CategoryLink]
    let sorts: [SortChoice]
    let products: [ProductCard]
    let empty: Bool
    let nextHref: String?

    init(_ view: CatalogView) {
        let query = view.query
        title = view.chosen?.name ?? (query.words.map { "Results for “\($0)”" } ?? "All products")
        words = query.words
        category = query.category
        categories = [CategoryLink(name: "All products", href: "/", chosen: query.category == nil, indent: 0)]
            + view.categories.map { entry in
                CategoryLink(name: entry.category.name, href: Self.href(category: entry.category.slug), chosen: entry.isChosen, indent: entry.depth)
            }
        let labels: [CatalogSort: String] = [.name: "Name", .priceAscending: "Price, lowest first", .priceDescending: "Price, highest first", .newest: "Newest"]
        sorts = CatalogSort.allCases.map { SortChoice(value: $0.rawValue, label: labels[$0] ?? $0.rawValue, selected: $0 == query.sort) }
        products = view.page.products.map(ProductCard.init)
        empty = view.page.products.isEmpty
        nextHref = view.page.nextCursor.map { Self.href(words: query.words, category: query.category, sort: query.sort, after: $0) }
    }

    static func href(words: String? = nil, category: String? = nil, sort: CatalogSort = .name, after: String? = nil) -> String {
        var components = URLComponents()
        components.path = "/"
        var items: [URLQueryItem] = []
        if let words { items.append(URLQueryItem(name: "q", value: words)) }
        if let category { items.append(URLQueryItem(name: "category", value: category)) }
        if sort != .name { items.append(URLQueryItem(name: "sort", value: sort.rawValue)) }
        if let after { items.append(URLQueryItem(name: "after", value: after)) }
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? "/"
    }
}

struct ProductPageModel {
    let title: String
    let product: ProductCard
    let sku: String
    let description: String
    let images: [String]
    let stock: String
    let inStock: Bool

    init(_ view: ViewProduct.View) {
        title = view.product.name
        product = ProductCard(view.product)
        sku = view.product.sku
        description = view.product.description
        images = view.product.imageURLs
        switch view.available {
        case nil: stock = "Stock unknown"; inStock = false
        case 0?: stock = "Out of stock"; inStock = false
        case let count? where count < 5: stock = "Only \(count) left"; inStock = true
        case let count?: stock = "In stock (\(count))"; inStock = true
        }
    }
}
