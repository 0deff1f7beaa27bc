import CartApplication
import CartDomain
import OrderContracts
import TradewindRuntime

/// The order context's events the cart follows: a placed order empties the cart it was placed from. Declaring
/// them here is the subscription.
public enum OrderEventSubscriptions {
    public static func subscriptions(_ clearOrdered: ClearOrderedCart) -> EventSubscriptions {
        var subscriptions = EventSubscriptions()
        // Several placed orders at once empty their carts in one transaction.
        subscriptions.on(OrderPlaced.self, together: { placed in
            try await clearOrdered.execute(placed.map { (customer: $0.event.customer, eventID: $0.envelope.id) })
        })
        return subscriptions
    }
}
