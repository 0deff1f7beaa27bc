import ProductDomain

/// What is on the shelf for a SKU: on hand, reserved, available.
public struct GetStock: Sendable {
    let inventory: any InventoryRepository

    public init(inventory: any InventoryRepository) { self.inventory = inventory }

    public func execute(of sku: String) async throws -> StockLevel {
        guard let sku = try? SKU(sku), let level = try await inventory.stock(of: sku) else { throw ProductError.unknownSKU(sku) }
        return level
    }
}
