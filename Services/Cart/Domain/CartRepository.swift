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
