import Foundation
import OrderDomain
import TradewindKernel
import TradewindRuntime

/// The order repository, telling the checkout worker and the outbox relay of this process about new work as soon
/// as it is committed: a placed order starts its checkout at once, and its events go out at once, instead of at
/// the workers' next poll.
struct SignallingOrderRepository: OrderRepository {
    let base: any OrderRepository
    let checkout: WorkSignal
    let outbox: WorkSignal

    func place(_ order: Order, idempotencyKey: String, requestHash: String, process: CheckoutProcess, events: [OrderEvent]) async throws {
        try await base.place(order, idempotencyKey: idempotencyKey, requestHash: requestHash, process: process, events: events)
        checkout.notify()
        if !events.isEmpty { outbox.notify() }
    }

    func save(_ order: Order, process: CheckoutProcess?, events: [OrderEvent]) async throws {
        try await base.save(order, process: process, events: events)
        if !events.isEmpty { outbox.notify() }
    }

    func save(_ order: Order, consuming eventID: String, eventType: String, events: [OrderEvent]) async throws -> Bool {
        let saved = try await base.save(order, consuming: eventID, eventType: eventType, events: events)
        if saved, !events.isEmpty { outbox.notify() }
        return saved
    }

    func order(customer: String, idempotencyKey key: String) async throws -> (Order, requestHash: String)? {
        try await base.order(customer: customer, idempotencyKey: key)
    }

    func order(_ id: OrderID) async throws -> Order? { try await base.order(id) }
    func order(trackingID: String) async throws -> Order? { try await base.order(trackingID: trackingID) }
    func orders(matching filter: OrderFilter, page: PageRequest) async throws -> Page<Order> { try await base.orders(matching: filter, page: page) }
    func process(_ id: OrderID) async throws -> CheckoutProcess? { try await base.process(id) }

    func dueProcesses(at now: Date, limit: Int, startingNew: Bool) async throws -> [CheckoutProcess] {
        try await base.dueProcesses(at: now, limit: limit, startingNew: startingNew)
    }
}
