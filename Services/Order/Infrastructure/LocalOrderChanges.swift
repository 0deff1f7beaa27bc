import OrderDomain
import TradewindRuntime

/// The orders this process stored changed, announced to the readers waiting on them (`SQLOrderRepository`
/// announces each change once it is committed).
public struct LocalOrderChanges: OrderChanges {
    let watchers = ChangeWatchers<OrderID>()

    public init() {}

    public func watching<T: Sendable>(_ order: OrderID, _ body: (OrderChangeWatch) async throws -> T) async throws -> T {
        try await watchers.watching(order) { watch in
            try await body(OrderChangeWatch { deadline in
                switch await watch.nextChange(until: deadline) {
                case .changed: .changed
                case .timedOut: .timedOut
                case .ended: .ended
                }
            })
        }
    }

    func announce(_ orders: some Sequence<OrderID>) { watchers.announce(orders) }
}
