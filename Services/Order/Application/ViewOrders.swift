import Foundation
import OrderDomain
import TradewindKernel

/// The read side: one order, a customer's orders, and every order for administrators. A customer does not see
/// that other customers' orders exist. A reader may wait for an order to change instead of reading it again and
/// again.
public struct ViewOrders: Sendable {
    let orders: any OrderRepository
    let changes: any OrderChanges
    let lookAgainEvery: Duration

    /// A waiting reader sees a change `changes` announces at once, and any other (one another replica stored) when
    /// it looks at the order again, every `lookAgainEvery`.
    public init(orders: any OrderRepository, changes: any OrderChanges, lookAgainEvery: Duration = .seconds(1)) {
        self.orders = orders
        self.changes = changes
        self.lookAgainEvery = lookAgainEvery
    }

    public func order(_ id: OrderID, for caller: Caller) async throws -> Order {
        guard let order = try await orders.order(id), caller.isAdmin || order.customer == caller.subject else { throw OrderError.orderNotFound }
        return order
    }

    /// The order once it is at none of `seenVersions`: at once if it has moved on already, else at its first
    /// change within `wait`. After `wait` without a change (or when the service is stopping) it is the order as
    /// it stands, still at one of `seenVersions`.
    public func order(_ id: OrderID, for caller: Caller, changedFrom seenVersions: Set<Int>, waitingAtMost wait: Duration) async throws -> Order {
        let deadline = ContinuousClock.now + wait
        return try await changes.watching(id) { watch in
            while true {
                let order = try await self.order(id, for: caller)
                guard seenVersions.contains(order.version), ContinuousClock.now < deadline else { return order }
                if await watch.nextChange(until: min(deadline, .now + lookAgainEvery)) == .ended { return order }
            }
        }
    }

    public func orders(of customer: String, page: PageRequest) async throws -> Page<Order> {
        try await orders.orders(matching: OrderFilter(customer: customer), page: page)
    }

    /// Every customer's orders, optionally only those in one status: the administrators' view.
    public func allOrders(in status: OrderStatus?, page: PageRequest) async throws -> Page<Order> {
        try await orders.orders(matching: OrderFilter(status: status), page: page)
    }
}
