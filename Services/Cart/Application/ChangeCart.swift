import CartDomain
import Foundation
import TradewindKernel

/// Changing a line's quantity, removing a line, emptying the cart: no catalog needed to change, only to show.
public struct ChangeCart: Sendable {
    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    public func setQuantity(_ owner: CartOwner, sku: String, quantity: Int) async throws -> CartView {
        var cart = try await access.load(owner)
        try cart.setQuantity(quantity, of: sku, at: access.clock.now())
        return try await access.view(try await access.save(cart))
    }

    public func remove(_ owner: CartOwner, sku: String) async throws -> CartView {
        var cart = try await access.load(owner)
        try cart.remove(sku, at: access.clock.now())
        return try await access.view(try await access.save(cart))
    }

    public func clear(_ owner: CartOwner) async throws -> CartView {
        var cart = try await access.load(owner)
        guard !cart.lines.isEmpty else { return try await access.view(cart) }
        cart.clear(at: access.clock.now())
        return try await access.view(try await access.save(cart))
    }
}
