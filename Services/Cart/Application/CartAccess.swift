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
        try await live(try await carts.cart(of: owner), of: owner)
    }

    /// The live carts of several signed-in users, read together, in the order named: a new empty one for a user
    /// without one.
    func load(users: [String]) async throws -> [Cart] {
        let stored = try await carts.carts(ofUsers: users)
        var loaded: [Cart] = []
        for user in users { loaded.append(try await live(stored[user], of: .user(user))) }
        return loaded
    }

    /// `stored` unless it has expired (then it is deleted), else a new empty cart.
    private func live(_ stored: Cart?, of owner: CartOwner) async throws -> Cart {
        if let cart = stored {
            if cart.updatedAt.addingTimeInterval(lifetime) > clock.now() { return cart }
            try await carts.delete(cart.id)
        }
        return Cart(id: CartID(rawValue: ids.makeUUID()), owner: owner, updatedAt: clock.now())
    }

    /// Refreshes the cart from the catalog and shows it, storing what it learned when that changes what the cart
    /// would show without the catalog; with the catalog down, shows the last known prices marked stale.
    func view(_ cart: Cart) async throws -> CartView {
        try await views([cart])[0]
    }

    /// ``view(_:)`` for several carts, with one question to the catalog for all of them.
    func views(_ carts: [Cart]) async throws -> [CartView] {
        var skus: [String] = []
        var seen: Set<String> = []
        for line in carts.lazy.flatMap(\.lines) where seen.insert(line.sku).inserted { skus.append(line.sku) }
        guard !skus.isEmpty else { return try carts.map { try CartView(cart: $0, pricesAreStale: false, lifetime: lifetime) } }
        let entries: [String: CatalogEntry]
        do {
            entries = try await catalog.entries(for: skus)
        } catch CartError.catalogUnavailable {
            return try carts.map { try CartView(cart: $0, pricesAreStale: !$0.lines.isEmpty, lifetime: lifetime) }
        }
        var views: [CartView] = []
        for cart in carts {
            var refreshed = cart
            if refreshed.remember(entries) {
                // Losing this race only means the next reader asks the catalog again.
                refreshed = (try? await self.carts.save(refreshed)) ?? refreshed
            }
            views.append(try CartView(cart: refreshed, pricesAreStale: false, lifetime: lifetime))
        }
        return views
    }

    func save(_ cart: Cart) async throws -> Cart { try await carts.save(cart) }
}
