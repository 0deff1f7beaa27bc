import Foundation
import OrderDomain
import TradewindKernel

/// Reading orders, cancelling before shipment, and taking in what the freight reports.
public struct ManageOrders: Sendable {
    let orders: any OrderRepository
    let clock: any WallClock

    public init(orders: any OrderRepository, clock: any WallClock) {
        self.orders = orders
        self.clock = clock
    }

    /// The customer's own order (others' orders do not exist for them); administrators see every order.
    public func order(_ id: OrderID, customer: String, isAdmin: Bool) async throws -> Order {
        guard let order = try await orders.order(id), isAdmin || order.customer == customer else { throw OrderError.orderNotFound }
        return order
    }

    public func orders(of customer: String, page: PageRequest) async throws -> Page<Order> {
        try await orders.orders(matching: OrderFilter(customer: customer), page: page)
    }

    /// Every customer's orders, optionally only those in one status: the administrators' view.
    public func allOrders(in status: OrderStatus?, page: PageRequest) async throws -> Page<Order> {
        try await orders.orders(matching: OrderFilter(status: status), page: page)
    }

    /// Cancels an order that has not shipped; the checkout process gives its stock back.
    public func cancel(_ id: OrderID, customer: String) async throws -> Order {
        var order = try await self.order(id, customer: customer, isAdmin: false)
        let events = try order.cancel(at: clock.now())
        var process = try await orders.process(id) ?? CheckoutProcess(order: id, nextAttemptAt: clock.now())
        if process.step == .done || process.step == .confirm || process.step == .bookFreight { process.step = .releaseStock }
        process.attempts = 0
        process.nextAttemptAt = clock.now()
        try await orders.save(order, process: process, events: events)
        return try await self.order(id, customer: customer, isAdmin: false)
    }

    /// A cargo event for the order's freight, applied once however often it is delivered; unknown tracking ids
    /// are not this context's business.
    public func freightReported(eventID: String, eventType: String, trackingID: String, transport: String?, location: String?,
                                misdirected: Bool?, claimed: Bool) async throws {
        guard var order = try await orders.order(trackingID: trackingID) else { return }
        let current = order.freight
        let events = order.freightReported(FreightStatus(transport: transport ?? current?.transport ?? "IN_PORT", lastLocation: location ?? current?.lastLocation,
                                                         misdirected: misdirected ?? current?.misdirected ?? false), claimed: claimed, at: clock.now())
        _ = try await orders.save(order, consuming: eventID, eventType: eventType, events: events)
    }
}
