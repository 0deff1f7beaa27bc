import CartDomain
import Foundation
import TradewindKernel

/// At sign-in, the guest's cart joins the user's; the guest cart is gone afterwards.
public struct MergeGuestCart: Sendable {
    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    public func execute(user subject: String, guestToken: String) async throws -> CartView {
        let guestOwner = try access.owner(subject: nil, cartToken: guestToken)
        guard let guest = try await access.carts.cart(of: guestOwner),
              guest.updatedAt.addingTimeInterval(access.lifetime) > access.clock.now()
        else { throw CartError.cartNotFound }
        var cart = try await access.load(.user(subject))
        try cart.merge(guest, at: access.clock.now())
        let saved = try await access.save(cart)
        try await access.carts.delete(guest.id)
        return try await access.view(saved)
    }
}
