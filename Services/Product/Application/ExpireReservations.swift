import Foundation
import ProductDomain
import TradewindKernel

/// Gives back the stock of every reservation past its expiry (the sweeper runs it); returns how many expired.
public struct ExpireReservations: Sendable {
    let inventory: any InventoryRepository
    let clock: any WallClock

    public init(inventory: any InventoryRepository, clock: any WallClock) {
        self.inventory = inventory
        self.clock = clock
    }

    public func execute() async throws -> Int {
        try await inventory.expireOverdue(at: clock.now())
    }
}
