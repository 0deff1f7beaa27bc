import ProductDomain
import TradewindKernel

/// Changes a product's details if the caller saw its current version (`If-Match`).
public struct UpdateProduct: Sendable {
    let products: any ProductRepository
    let categories: any CategoryRepository
    let clock: any WallClock

    public init(products: any ProductRepository, categories: any CategoryRepository, clock: any WallClock) {
        self.products = products
        self.categories = categories
        self.clock = clock
    }

    public func execute(id: ProductID, expectedVersion: Int, details: Product.Details) async throws -> Product {
        let current = try await products.current(id, expectedVersion: expectedVersion)
        if details.categoryID != current.details.categoryID, try await categories.category(withID: details.categoryID) == nil {
            throw ProductError.categoryNotFound
        }
        return try await products.save(try current.updated(details, at: clock.now()))
    }
}

extension ProductRepository {
    /// The product, if it is still at the version the caller saw.
    func current(_ id: ProductID, expectedVersion: Int) async throws -> Product {
        guard let current = try await product(withID: id) else { throw ProductError.productNotFound }
        guard current.version == expectedVersion else { throw ProductError.staleVersion(current: current.version) }
        return current
    }
}
