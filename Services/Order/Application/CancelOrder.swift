import Foundation
import OrderDomain
import TradewindKernel

/// A customer cancels their order before it ships; the checkout process then gives its stock back, and the
/// cancellation is announced once that is done.
public struct CancelOrder: Sendable {
    let orders: any OrderRepository
    let clock: any WallClock

    public init(orders: any OrderRepository, clock: any WallClock) {
        self.orders = orders
        self.clock = clock
    }

    public func execute(_ id: OrderID, by caller: Caller) async throws -> Order {
        guard var order = try await orders.order(id), order.customer == caller.subject else { throw OrderError.orderNotFound }
        let events = try order.cancel(at: clock.now())
        var process = try await orders.process(id) ?? CheckoutProcess(order: id, nextAttemptAt: clock.now())
        if process.step == .done || process.step == .confirm || process.step == .bookFreight { process.step = .releaseStock }
        process.attempts = 0
        process.nextAttemptAt = clock.now()
        return try await orders.save(order, process: process, events: events)
    }
}
