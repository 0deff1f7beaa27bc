import Foundation
import OrderDomain
import TradewindKernel

/// The read side: one order, a customer's orders, and every order for administrators. A customer does not see
/// that other customers' orders exist.
public struct ViewOrders: Sendable {
    let orders: any OrderRepository

    public init(orders: any OrderRepository) { self.orders = orders }

    public func order(_ id: OrderID, for caller: Caller) async throws -> Order {
        guard let order = try await orders.order(id), caller.isAdmin || order.customer == caller.subject else { throw OrderError.orderNotFound }
        return order
    }

    public func orders(of customer: String, page: PageRequest) async throws -> Page<Order> {
        try await orders.orders(matching: OrderFilter(customer: customer), page: page)
    }

    /// Every customer's orders, optionally only those in one status: the administrators' view.
    public func allOrders(in status: OrderStatus?, page: PageRequest) async throws -> Page<Order> {
        try await orders.orders(matching: OrderFilter(status: status), page: page)
    }
}
