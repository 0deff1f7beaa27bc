import CartDomain
import TradewindKernel

/// A new guest cart and the token that identifies it; only the token's hash is stored.
public struct OpenGuestCart: Sendable {
    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    public func execute() async throws -> (token: String, cart: CartView) {
        let token = access.tokens.generate()
        let cart = try await access.save(Cart(
            id: CartID(rawValue: access.ids.makeUUID()), owner: .guest(tokenHash: access.tokens.hash(token)), updatedAt: access.clock.now()
        ))
        return (token, try await access.view(cart))
    }
}
