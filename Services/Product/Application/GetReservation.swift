import Foundation
import ProductDomain

/// The reservation an order holds, whatever its state.
public struct GetReservation: Sendable {
    let inventory: any InventoryRepository

    public init(inventory: any InventoryRepository) { self.inventory = inventory }

    public func execute(for order: OrderReference) async throws -> Reservation {
        guard let reservation = try await inventory.reservation(for: order) else { throw ProductError.reservationNotFound }
        return reservation
    }
}
