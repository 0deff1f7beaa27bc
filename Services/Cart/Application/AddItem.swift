import CartDomain
import Foundation
import TradewindKernel

/// Puts a product in the cart at the catalog's current price; needs the catalog (503 without it).
public struct AddItem: Sendable {
    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    public func execute(_ owner: CartOwner, sku: String, quantity: Int) async throws -> CartView {
        guard (2...40).contains(sku.utf8.count) else { throw CartError.unknownProduct(String(sku.prefix(40))) }
        var cart = try await access.load(owner)
        guard let entry = try await access.catalog.entries(for: [sku])[sku] else { throw CartError.unknownProduct(sku) }
        if let available = entry.available, available < quantity + (cart.lines.first { $0.sku == sku }?.quantity ?? 0) {
            throw CartError.productNotForSale(sku)
        }
        try cart.add(entry, quantity: quantity, at: access.clock.now())
        return try await access.view(try await access.save(cart))
    }
}
