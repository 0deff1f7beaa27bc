import ProductDomain

/// Sets what is on the shelf for a known SKU (a stock count); reservations keep holding their share.
public struct SetStock: Sendable {
    let inventory: any InventoryRepository

    public init(inventory: any InventoryRepository) { self.inventory = inventory }

    public func execute(onHand: Int, of sku: SKU) async throws -> StockLevel {
        guard (0...1_000_000).contains(onHand) else { throw ProductError.invalid(field: "onHand", reason: "must be between 0 and 1000000") }
        guard try await inventory.stock(of: sku) != nil else { throw ProductError.unknownSKU(sku.value) }
        return try await inventory.setOnHand(onHand, of: sku)
    }
}
