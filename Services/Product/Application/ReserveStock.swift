import Foundation
import ProductDomain
import TradewindKernel

/// Holds stock for an order: every line or none, for a limited time. Asking again for the same order and goods
/// returns the first reservation; the same order with other goods is a conflict.
public struct ReserveStock: Sendable {
    public struct Line: Sendable {
        public let sku: SKU
        public let quantity: Int
        public init(sku: SKU, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    let inventory: any InventoryRepository
    let products: any ProductRepository
    let clock: any WallClock
    public static let defaultLifetime: TimeInterval = 900

    public init(inventory: any InventoryRepository, products: any ProductRepository, clock: any WallClock) {
        self.inventory = inventory
        self.products = products
        self.clock = clock
    }

    public func execute(order: OrderReference, lines: [Line], lifetime: TimeInterval?) async throws -> ReservationOutcome {
        let lifetime = lifetime ?? Self.defaultLifetime
        guard Reservation.lifetimes.contains(lifetime) else {
            throw ProductError.invalid(field: "ttlSeconds", reason: "must be between 60 and 86400")
        }
        let wanted = try lines.map { line in try ReservationLine(sku: line.sku, quantity: line.quantity) }
        let now = clock.now()
        let reservation = try Reservation(orderID: order, lines: wanted, createdAt: now, expiresAt: now.addingTimeInterval(lifetime))
        for line in reservation.lines {
            let product = try await products.product(withSKU: line.sku)
            guard let product, product.details.active else {
                // A repeated request answers with the reservation already made, even for a product gone since.
                if let existing = try await existingReservation(for: order, holding: wanted) { return existing }
                throw product == nil ? ProductError.unknownSKU(line.sku.value) : ProductError.inactiveProduct(line.sku.value)
            }
        }
        // The inventory answers a repeated request with the reservation already made; no read beforehand.
        return try await inventory.reserve(reservation)
    }

    private func existingReservation(for order: OrderReference, holding wanted: [ReservationLine]) async throws -> ReservationOutcome? {
        guard let existing = try await inventory.reservation(for: order) else { return nil }
        guard existing.holdsSameGoods(as: wanted) else { throw ProductError.reservationMismatch }
        return .existing(existing)
    }
}
