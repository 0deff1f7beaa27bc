import ProductDomain
import TradewindKernel

/// Several products with their stock in one read, by SKU: what a cart needs to show its lines without asking once
/// per line. Like the single-product reads, deactivated products are visible to administrators only.
public struct LookUpProducts: Sendable {
    public static let maximumSKUs = 50

    let products: any ProductRepository

    public init(products: any ProductRepository) {
        self.products = products
    }

    /// The products found, each with its stock, in the order of the first mention of their SKU; SKUs that name no
    /// visible product are left out.
    public func execute(skus raw: [String], caller: Caller) async throws -> [(product: Product, stock: StockLevel)] {
        var skus: [SKU] = []
        for value in raw {
            guard let sku = try? SKU(value) else { throw ProductError.invalid(field: "sku", reason: "'\(value.prefix(60))' is not a SKU") }
            if !skus.contains(sku) { skus.append(sku) }
        }
        guard !skus.isEmpty else { throw ProductError.invalid(field: "sku", reason: "name at least one SKU") }
        guard skus.count <= Self.maximumSKUs else {
            throw ProductError.invalid(field: "sku", reason: "at most \(Self.maximumSKUs) SKUs at once, not \(skus.count)")
        }
        let found = Dictionary(try await products.stockedProducts(withSKUs: skus).map { ($0.product.sku, $0) }, uniquingKeysWith: { first, _ in first })
        return skus.compactMap { sku in
            guard let (product, stock) = found[sku], product.details.active || caller.isAdmin else { return nil }
            return (product, stock)
        }
    }
}
