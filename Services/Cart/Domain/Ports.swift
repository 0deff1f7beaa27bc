import Foundation

public protocol CartRepository: Sendable {
    func cart(of owner: CartOwner) async throws -> Cart?
    /// Inserts a new cart (version 0) or updates one whose stored version is `cart.version`; returns the stored cart
    /// with its new version, or fails with ``CartError/concurrentUpdate``.
    func save(_ cart: Cart) async throws -> Cart
    func delete(_ id: CartID) async throws
    /// Deletes the owner's cart because of another context's event, recording the event in the same transaction;
    /// `false`, changing nothing, when that event was handled before.
    func deleteCart(of owner: CartOwner, consuming eventID: String, at now: Date) async throws -> Bool
    /// Deletes carts not changed since `cutoff`; returns how many.
    func deleteInactive(since cutoff: Date) async throws -> Int
}

/// The product catalog as the cart needs it. An anti-corruption layer in Infrastructure implements it over the
/// product service's API. Missing SKUs in the answer are products the catalog does not know.
public protocol ProductCatalog: Sendable {
    /// Fails with ``CartError/catalogUnavailable`` when the catalog cannot be asked.
    func entries(for skus: [String]) async throws -> [String: CatalogEntry]
}

/// Guest cart tokens: random, and stored only as hashes.
public protocol CartTokens: Sendable {
    func generate() -> String
    func hash(_ token: String) -> String
}
