import CartDomain
import Foundation
import TradewindKernel

/// When the customer's order has been placed (the order context's `OrderPlaced`), their cart is emptied; a
/// redelivered event finds nothing more to do. Orders placed together are handled together.
public struct ClearOrderedCart: Sendable {
    let carts: any CartRepository
    let clock: any WallClock

    public init(carts: any CartRepository, clock: any WallClock) {
        self.carts = carts
        self.clock = clock
    }

    /// Empties the carts of the customers whose orders were placed, for a batch of `OrderPlaced` events, in one
    /// go; returns the ids of the events handled now.
    @discardableResult
    public func execute(_ placed: [(customer: String, eventID: String)]) async throws -> Set<String> {
        try await carts.deleteCarts(placed.map { CartDeletion(owner: .user($0.customer), eventID: $0.eventID, eventType: "OrderPlaced") }, at: clock.now())
    }
}
