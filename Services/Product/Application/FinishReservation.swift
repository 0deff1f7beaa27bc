import Foundation
import ProductDomain
import TradewindKernel

/// The end of a reservation: released (stock returns), committed (goods ship), or expired by the sweeper.
public struct FinishReservation: Sendable {
    let inventory: any InventoryRepository
    let clock: any WallClock

    public init(inventory: any InventoryRepository, clock: any WallClock) {
        self.inventory = inventory
        self.clock = clock
    }

    public func reservation(for order: OrderReference) async throws -> Reservation {
        guard let reservation = try await inventory.reservation(for: order) else { throw ProductError.reservationNotFound }
        return reservation
    }

    public func release(_ order: OrderReference) async throws -> Reservation {
        try await inventory.finish(order, as: .released, at: clock.now())
    }

    public func commit(_ order: OrderReference) async throws -> Reservation {
        let now = clock.now()
        // An overdue reservation no longer holds its stock: expire it first, then refuse the commit.
        if let current = try await inventory.reservation(for: order), current.isOverdue(at: now) {
            _ = try await inventory.finish(order, as: .expired, at: now)
            throw ProductError.reservationNotHeld(.expired)
        }
        return try await inventory.finish(order, as: .committed, at: now)
    }

    public func expireOverdue() async throws -> Int {
        try await inventory.expireOverdue(at: clock.now())
    }
}
