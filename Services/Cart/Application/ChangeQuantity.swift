import CartDomain
import Foundation
import TradewindKernel

/// Sets how many of a SKU the cart holds; no catalog is needed to change it, only to show it.
public struct ChangeQuantity: Sendable {
    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    public func execute(_ owner: CartOwner, sku: String, quantity: Int) async throws -> CartView {
        var cart = try await access.load(owner)
        try cart.setQuantity(quantity, of: sku, at: access.clock.now())
        return try await access.view(try await access.save(cart))
    }
}
