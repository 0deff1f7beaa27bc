import Foundation
import OrderDomain
import TradewindKernel

/// Turns the customer's cart into an order, once per idempotency key: the same key and request give back the
/// same order; the same key with another request is refused; concurrent duplicates create one order (the
/// repository's unique key decides, not a read before the write). A first request reads no earlier order: the key
/// is looked up when the write finds it taken, or when the cart cannot be ordered from (a repeated request finds
/// the cart emptied, or its stock taken, by the order it placed).
public struct PlaceOrder: Sendable {
    let orders: any OrderRepository
    let cart: any CartContents
    let clock: any WallClock
    let ids: any IdentifierGenerator

    public init(orders: any OrderRepository, cart: any CartContents, clock: any WallClock, ids: any IdentifierGenerator) {
        self.orders = orders
        self.cart = cart
        self.clock = clock
        self.ids = ids
    }

    /// `request` is the canonical text of what was asked (the address), compared when a key comes back.
    public func execute(customer: String, customerToken: String, idempotencyKey key: String, address: ShippingAddress,
                        request: String) async throws -> (order: Order, created: Bool) {
        guard (1...200).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw OrderError.invalid("Idempotency-Key must be 1 to 200 visible ASCII characters")
        }
        let snapshot: [CartLineSnapshot]
        do {
            snapshot = try await orderableLines(ofCustomer: customer, token: customerToken)
        } catch {
            if let existing = try await previous(customer: customer, key: key, request: request) { return (existing, false) }
            throw error
        }
        let now = clock.now()
        let (order, events) = try Order.place(
            OrderID(rawValue: ids.makeUUID()), customer: customer,
            lines: try snapshot.map { try OrderLine(sku: $0.sku, name: $0.name, unitPrice: $0.unitPrice, quantity: $0.quantity) },
            address: address, at: now
        )
        do {
            try await orders.place(order, idempotencyKey: key, requestHash: request, process: CheckoutProcess(order: order.id, nextAttemptAt: now),
                                   events: events)
            return (order.stored(), true)
        } catch OrderError.idempotencyKeyReused {
            // A concurrent request with the same key won the insert.
            guard let existing = try await previous(customer: customer, key: key, request: request) else { throw OrderError.idempotencyKeyReused }
            return (existing, false)
        }
    }

    /// The cart's lines, when every one of them can be ordered.
    private func orderableLines(ofCustomer customer: String, token: String) async throws -> [CartLineSnapshot] {
        let snapshot = try await cart.lines(ofCustomer: customer, token: token)
        guard !snapshot.isEmpty else { throw OrderError.emptyCart }
        let unavailable = snapshot.filter { !$0.available }.map(\.sku)
        guard unavailable.isEmpty else {
            throw OrderError.invalid("remove what can no longer be bought first: \(unavailable.joined(separator: ", "))")
        }
        return snapshot
    }

    private func previous(customer: String, key: String, request: String) async throws -> Order? {
        guard let (order, stored) = try await orders.order(customer: customer, idempotencyKey: key) else { return nil }
        guard stored == request else { throw OrderError.idempotencyKeyReused }
        return order
    }
}
