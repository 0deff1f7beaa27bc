import ProductDomain

/// What is on the shelf for a SKU: on hand, reserved, available.
public struct GetStock: Sendable {
    let inventory: any InventoryRepository

    public init(inventory: any InventoryRepository) { self.inventory = inventory }

    public func execute(of sku: SKU) async throws -> StockLevel {
        guard let level = try await inventory.stock(of: sku) else { throw ProductError.unknownSKU(sku.value) }
        return level
    }
}
