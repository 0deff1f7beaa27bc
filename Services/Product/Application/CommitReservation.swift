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
        try await execute([order])[0].get()
    }

    /// Each order's commit as if made alone, in one inventory write (two when some are overdue). One result per
    /// order, in the order given; a refusal is that order's result.
    public func execute(_ orders: [OrderReference]) async throws -> [Result<Reservation, ProductError>] {
        let now = clock.now()
        var results = try await inventory.finish(orders, as: .committed, at: now)
        let overdue = results.indices.filter { if case .failure(.reservationNotHeld(.expired)) = results[$0] { true } else { false } }
        guard !overdue.isEmpty else { return results }
        // Refused because they are overdue (or already expired): they give their stock back, if they still hold it.
        let expired = try await inventory.finish(overdue.map { orders[$0] }, as: .expired, at: now)
        for (index, outcome) in zip(overdue, expired) {
            results[index] = outcome.flatMap { _ in .failure(.reservationNotHeld(.expired)) }
        }
        return results
    }
}
