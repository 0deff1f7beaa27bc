import ProductDomain
import TradewindKernel

/// Takes a product off sale if the caller saw its current version (`If-Match`); customers no longer see it.
public struct DeactivateProduct: Sendable {
    let products: any ProductRepository
    let clock: any WallClock

    public init(products: any ProductRepository, clock: any WallClock) {
        self.products = products
        self.clock = clock
    }

    public func execute(id: ProductID, expectedVersion: Int) async throws -> Product {
        let current = try await products.current(id, expectedVersion: expectedVersion)
        return try await products.save(try current.deactivated(at: clock.now()))
    }
}
