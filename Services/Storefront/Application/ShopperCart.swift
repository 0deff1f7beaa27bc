import Foundation
import StorefrontDomain

/// The shopper's cart: a guest's until they sign in (opened with the first item), then their own. Each use case
/// takes the session with a fresh access token (``ShopperAccount/current(_:)``) and answers it as it should be saved.
public struct ShopperCart: Sendable {
    let carts: any Carts

    public init(carts: any Carts) { self.carts = carts }

    public func view(_ session: ShopperSession) async throws -> (cart: ShopCart, session: ShopperSession) {
        guard let holder = Self.holder(of: session) else { return (.empty, session) }
        if let cart = try await carts.cart(of: holder) { return (cart, session) }
        // The guest cart expired: forget its token, and the next item opens a new one.
        var session = session
        session.guestCartToken = nil
        return (.empty, session)
    }

    public func add(sku: String, quantity: Int, session: ShopperSession) async throws -> (cart: ShopCart, session: ShopperSession) {
        var session = session
        if Self.holder(of: session) == nil { session.guestCartToken = try await carts.openGuestCart() }
        guard let holder = Self.holder(of: session) else { throw StorefrontError.unavailable("the cart is not answering") }
        do {
            return (try await carts.add(sku: sku, quantity: quantity, for: holder), session)
        } catch StorefrontError.signedOut where session.account == nil {
            // The guest cart expired between two pages: a new one takes the item.
            session.guestCartToken = try await carts.openGuestCart()
            return (try await carts.add(sku: sku, quantity: quantity, for: .guest(cartToken: session.guestCartToken!)), session)
        }
    }

    /// A quantity of 0 removes the line.
    public func change(sku: String, quantity: Int, session: ShopperSession) async throws -> ShopCart {
        guard let holder = Self.holder(of: session) else { return .empty }
        return quantity == 0 ? try await carts.remove(sku: sku, for: holder) : try await carts.change(sku: sku, quantity: quantity, for: holder)
    }

    static func holder(of session: ShopperSession) -> CartHolder? {
        if let account = session.account { return .customer(accessToken: account.tokens.accessToken) }
        return session.guestCartToken.map { .guest(cartToken: $0) }
    }
}
