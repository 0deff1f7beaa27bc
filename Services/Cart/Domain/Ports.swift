import Foundation

public protocol CartRepository: Sendable {
    func cart(of owner: CartOwner) async throws -> Cart?
    /// The stored carts of the signed-in users named, by user; a user without one is left out.
    func carts(ofUsers users: [String]) async throws -> [String: Cart]
    /// Inserts a new cart (version 0) or updates one whose stored version is `cart.version`; returns the stored cart
    /// with its new version, or fails with ``CartError/concurrentUpdate``.
    func save(_ cart: Cart) async throws -> Cart
    func delete(_ id: CartID) async throws
    /// Deletes carts because of other contexts' events, recording the events in the same transaction; returns the
    /// ids of the events handled now. An event handled before changes nothing.
    func deleteCarts(_ deletions: [CartDeletion], at now: Date) async throws -> Set<String>
    /// Deletes carts not changed since `cutoff`; returns how many.
    func deleteInactive(since cutoff: Date) async throws -> Int
}

/// A cart to delete because of another context's event (an order placed from it).
public struct CartDeletion: Sendable, Equatable {
    public let owner: CartOwner
    public let eventID: String
    public let eventType: String

    public init(owner: CartOwner, eventID: String, eventType: String) {
        self.owner = owner
        self.eventID = eventID
        self.eventType = eventType
    }
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
