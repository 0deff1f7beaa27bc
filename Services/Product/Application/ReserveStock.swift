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

    /// One order's reservation.
    public struct Request: Sendable {
        public let order: OrderReference
        public let lines: [Line]
        /// How long the stock is held; ``defaultLifetime`` when nil.
        public let lifetime: TimeInterval?
        public init(order: OrderReference, lines: [Line], lifetime: TimeInterval?) {
            self.order = order
            self.lines = lines
            self.lifetime = lifetime
        }
    }

    public func execute(order: OrderReference, lines: [Line], lifetime: TimeInterval?) async throws -> ReservationOutcome {
        try await execute([Request(order: order, lines: lines, lifetime: lifetime)])[0].get()
    }

    /// Each request as if made alone, with one catalog read and one inventory write for them all. One result
    /// per request, in the order given; a refusal is that request's result.
    public func execute(_ requests: [Request]) async throws -> [Result<ReservationOutcome, ProductError>] {
        let now = clock.now()
        var results = [Result<ReservationOutcome, ProductError>?](repeating: nil, count: requests.count)
        var valid: [(index: Int, reservation: Reservation)] = []
        for (index, request) in requests.enumerated() {
            do {
                valid.append((index, try reservation(for: request, at: now)))
            } catch {
                results[index] = .failure(error)
            }
        }
        let skus = Set(valid.flatMap { $0.reservation.lines.map(\.sku) })
        let products = Dictionary(try await products.products(withSKUs: Array(skus)).map { ($0.sku, $0) }, uniquingKeysWith: { first, _ in first })
        var reservable: [(index: Int, reservation: Reservation)] = []
        for (index, reservation) in valid {
            guard let unavailable = reservation.lines.first(where: { products[$0.sku]?.details.active != true }) else {
                reservable.append((index, reservation))
                continue
            }
            // A repeated request answers with the reservation already made, even for a product gone since.
            do {
                results[index] = if let existing = try await existingReservation(for: reservation) {
                    .success(existing)
                } else {
                    .failure(products[unavailable.sku] == nil ? .unknownSKU(unavailable.sku.value) : .inactiveProduct(unavailable.sku.value))
                }
            } catch let refusal as ProductError {
                results[index] = .failure(refusal)
            }
        }
        // The inventory answers a repeated request with the reservation already made; no read beforehand.
        for (entry, outcome) in zip(reservable, try await inventory.reserve(reservable.map(\.reservation))) { results[entry.index] = outcome }
        return results.map { $0! }
    }

    private func reservation(for request: Request, at now: Date) throws(ProductError) -> Reservation {
        let lifetime = request.lifetime ?? Self.defaultLifetime
        guard Reservation.lifetimes.contains(lifetime) else {
            throw ProductError.invalid(field: "ttlSeconds", reason: "must be between 60 and 86400")
        }
        let wanted = try request.lines.map { line throws(ProductError) in try ReservationLine(sku: line.sku, quantity: line.quantity) }
        return try Reservation(orderID: request.order, lines: wanted, createdAt: now, expiresAt: now.addingTimeInterval(lifetime))
    }

    private func existingReservation(for wanted: Reservation) async throws -> ReservationOutcome? {
        guard let existing = try await inventory.reservation(for: wanted.orderID) else { return nil }
        guard existing.holdsSameGoods(as: wanted.lines) else { throw ProductError.reservationMismatch }
        return .existing(existing)
    }
}
