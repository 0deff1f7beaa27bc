import CartDomain
import Foundation
import TradewindKernel

/// When the customer's order has been placed (the order context's `OrderPlaced`), their cart is emptied; a
/// redelivered event finds nothing more to do.
public struct ClearOrderedCart: Sendable {
    let carts: any CartRepository
    let clock: any WallClock

    public init(carts: any CartRepository, clock: any WallClock) {
        self.carts = carts
        self.clock = clock
    }

    @discardableResult
    public func execute(customer: String, eventID: String) async throws -> Bool {
        try await carts.deleteCart(of: .user(customer), consuming: eventID, at: clock.now())
    }
}
