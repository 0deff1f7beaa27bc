import CartDomain
import Foundation
import TradewindKernel

/// What every cart use case shares: who owns the cart, loading it (an expired cart counts as gone), saving it,
/// and showing it with the catalog's current prices, or the last known ones when the catalog is down.
public struct CartAccess: Sendable {
    let carts: any CartRepository
    let catalog: any ProductCatalog
    let tokens: any CartTokens
    let clock: any WallClock
    let ids: any IdentifierGenerator
    /// Carts untouched for this long are gone.
    public let lifetime: TimeInterval

    public init(carts: any CartRepository, catalog: any ProductCatalog, tokens: any CartTokens, clock: any WallClock,
                ids: any IdentifierGenerator, lifetime: TimeInterval) {
        self.carts = carts
        self.catalog = catalog
        self.tokens = tokens
        self.clock = clock
        self.ids = ids
        self.lifetime = lifetime
    }

    /// The cart's owner: the signed-in user, else the guest whose cart token was sent.
    public func owner(subject: String?, cartToken: String?) throws -> CartOwner {
        if let subject { return .user(subject) }
        if let cartToken, !cartToken.isEmpty, cartToken.utf8.count <= 200 { return .guest(tokenHash: tokens.hash(cartToken)) }
        throw CartError.identificationRequired
    }

    /// The owner's live cart, or a new empty one (not stored until something is put in it).
    func load(_ owner: CartOwner) async throws -> Cart {
        if let cart = try await carts.cart(of: owner) {
            if cart.updatedAt.addingTimeInterval(lifetime) > clock.now() { return cart }
            try await carts.delete(cart.id)
        }
        return Cart(id: CartID(rawValue: ids.makeUUID()), owner: owner, updatedAt: clock.now())
    }

    /// Refreshes the cart from the catalog and shows it, storing what it learned when that changes what the cart
    /// would show without the catalog; with the catalog down, shows the last known prices marked stale.
    func view(_ cart: Cart) async throws -> CartView {
        guard !cart.lines.isEmpty else { return try CartView(cart: cart, pricesAreStale: false, lifetime: lifetime) }
        let entries: [String: CatalogEntry]
        do {
            entries = try await catalog.entries(for: cart.lines.map(\.sku))
        } catch CartError.catalogUnavailable {
            return try CartView(cart: cart, pricesAreStale: true, lifetime: lifetime)
        }
        var refreshed = cart
        if refreshed.remember(entries) {
            // Losing this race only means the next reader asks the catalog again.
            refreshed = (try? await carts.save(refreshed)) ?? refreshed
        }
        return try CartView(cart: refreshed, pricesAreStale: false, lifetime: lifetime)
    }

    func save(_ cart: Cart) async throws -> Cart { try await carts.save(cart) }
}
