import CartDomain
import Foundation
import TradewindKernel

/// Takes a SKU's line out of the cart.
public struct RemoveItem: Sendable {
    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    public func execute(_ owner: CartOwner, sku: String) async throws -> CartView {
        var cart = try await access.load(owner)
        try cart.remove(sku, at: access.clock.now())
        return try await access.view(try await access.save(cart))
    }
}
