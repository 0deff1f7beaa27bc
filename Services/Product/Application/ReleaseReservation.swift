import Foundation
import ProductDomain
import TradewindKernel

/// Gives an order's held stock back to the shelf; releasing a released reservation changes nothing.
public struct ReleaseReservation: Sendable {
    let inventory: any InventoryRepository
    let clock: any WallClock

    public init(inventory: any InventoryRepository, clock: any WallClock) {
        self.inventory = inventory
        self.clock = clock
    }

    public func execute(_ order: OrderReference) async throws -> Reservation {
        try await inventory.finish(order, as: .released, at: clock.now())
    }
}
