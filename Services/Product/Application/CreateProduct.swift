import ProductDomain
import TradewindKernel

public struct CreateProduct: Sendable {
    let products: any ProductRepository
    let categories: any CategoryRepository
    let clock: any WallClock
    let ids: any IdentifierGenerator

    public init(products: any ProductRepository, categories: any CategoryRepository, clock: any WallClock, ids: any IdentifierGenerator) {
        self.products = products
        self.categories = categories
        self.clock = clock
        self.ids = ids
    }

    public func execute(sku: SKU, details: Product.Details) async throws -> Product {
        guard try await categories.category(withID: details.categoryID) != nil else { throw ProductError.categoryNotFound }
        let now = clock.now()
        let product = try Product(id: ProductID(rawValue: ids.makeUUID()), sku: sku, details: details, createdAt: now, updatedAt: now)
        try await products.add(product)
        return product
    }
}
