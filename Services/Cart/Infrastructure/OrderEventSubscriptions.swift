import CartApplication
import CartDomain
import OrderContracts
import TradewindRuntime

/// The order context's events the cart follows: a placed order empties the cart it was placed from. Declaring
/// them here is the subscription.
public enum OrderEventSubscriptions {
    public static func subscriptions(_ clearOrdered: ClearOrderedCart) -> EventSubscriptions {
        var subscriptions = EventSubscriptions()
        subscriptions.on(OrderPlaced.self) { placed, envelope in
            _ = try await clearOrdered.execute(customer: placed.customer, eventID: envelope.id)
        }
        return subscriptions
    }
}
