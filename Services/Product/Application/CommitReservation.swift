import Foundation
import ProductDomain
import TradewindKernel

/// Takes an order's held stock off the shelf for good (the goods ship). An overdue reservation no longer holds its
/// stock: it is expired instead, and the commit refused.
public struct CommitReservation: Sendable {
    let inventory: any InventoryRepository
    let clock: any WallClock

    public init(inventory: any InventoryRepository, clock: any WallClock) {
        self.inventory = inventory
        self.clock = clock
    }

    public func execute(_ order: OrderReference) async throws -> Reservation {
        let now = clock.now()
        do {
            return try await inventory.finish(order, as: .committed, at: now)
        } catch ProductError.reservationNotHeld(.expired) {
            // Refused because it is overdue (or already expired): it gives its stock back, if it still holds it.
            _ = try await inventory.finish(order, as: .expired, at: now)
            throw ProductError.reservationNotHeld(.expired)
        }
    }
}
