import CartDomain
import Foundation
import TradewindKernel

/// Empties the cart; an empty cart is left as it is.
public struct ClearCart: Sendable {
    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    public func execute(_ owner: CartOwner) async throws -> CartView {
        var cart = try await access.load(owner)
        guard !cart.lines.isEmpty else { return try await access.view(cart) }
        cart.clear(at: access.clock.now())
        return try await access.view(try await access.save(cart))
    }
}
