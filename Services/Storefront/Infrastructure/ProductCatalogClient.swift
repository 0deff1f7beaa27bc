import Foundation
import ProductContracts
import StorefrontDomain
import TradewindKernel
import TradewindRuntime

/// The catalog as the product context publishes it (`ProductContracts.Client`), read anonymously: the shop window
/// shows what anyone may see. A 404 means the catalog does not sell it; any other failure, that it is unavailable.
public struct ProductCatalogClient: Catalog {
    let product: Client

    public init(client: ServiceClient, timeout: Duration = .seconds(3)) {
        product = Client(serverURL: ServiceClientTransport.serverURL(for: ProductContract.service), configuration: .tradewind,
                         transport: ServiceClientTransport(client, service: ProductContract.service, timeout: timeout))
    }

    public func categories() async throws -> [ShopCategory] {
        guard case .ok(let ok) = try await reach(Self.unavailable, { try await product.listCategories() }) else { throw Self.unavailable }
        return try ok.body.json.items.map { ShopCategory(id: $0.id, name: $0.name, slug: $0.slug, parentID: $0.parentId) }
    }

    public func products(_ query: CatalogQuery) async throws -> CatalogPage {
        let sort = Operations.ListProducts.Input.Query.SortPayload(rawValue: query.sort.rawValue)
        let answer = try await reach(Self.unavailable) {
            try await product.listProducts(query: .init(
                q: query.words, category: query.category, sort: sort, limit: CatalogQuery.pageSize, cursor: query.cursor
            ))
        }
        switch answer {
        case .ok(let ok):
            let page = try ok.body.json
            return CatalogPage(products: page.items.compactMap(Self.shopProduct), nextCursor: page.nextCursor)
        case .badRequest, .unprocessableContent:
            throw StorefrontError.invalidQuery("the catalog cannot answer this search; start again from the catalog")
        default:
            throw Self.unavailable
        }
    }

    public func product(id: String) async throws -> ShopProduct? {
        guard UUID(uuidString: id) != nil else { return nil }
        switch try await reach(Self.unavailable, { try await product.getProduct(path: .init(id: id)) }) {
        case .ok(let ok): return Self.shopProduct(try ok.body.json)
        case .notFound: return nil
        default: throw Self.unavailable
        }
    }

    public func available(sku: String) async throws -> Int? {
        switch try await reach(Self.unavailable, { try await product.getStock(path: .init(sku: sku)) }) {
        case .ok(let ok): return try ok.body.json.available
        case .notFound: return nil
        default: throw Self.unavailable
        }
    }

    static let unavailable = StorefrontError.unavailable("the catalog is not answering")


    static func shopProduct(_ listed: Components.Schemas.Product) -> ShopProduct? {
        guard listed.active, let currency = Currency(listed.price.currency) else { return nil }
        return ShopProduct(
            id: listed.id, sku: listed.sku, name: listed.name, description: listed.description,
            price: Money(minorUnits: listed.price.amount, currency: currency), categoryID: listed.categoryId, imageURLs: listed.imageUrls
        )
    }
}
