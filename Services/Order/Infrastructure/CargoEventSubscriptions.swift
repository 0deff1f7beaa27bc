import CargoContracts
import OrderApplication
import OrderDomain
import TradewindRuntime

/// The cargo context's events the order context follows, translated from the cargo's published language into the
/// order's: a handling becomes the freight status the customer sees. Declaring them here is the subscription.
public enum CargoEventSubscriptions {
    public static func subscriptions(_ record: RecordFreight) -> EventSubscriptions {
        var subscriptions = EventSubscriptions()
        subscriptions.on(CargoHandled.self) { handled, envelope in
            try await record.execute(.init(trackingID: handled.trackingId, transport: transportStatus(after: handled.type), location: handled.location,
                                           misdirected: nil, claimed: handled.type == .claim),
                                     eventID: envelope.id, eventType: envelope.type)
        }
        subscriptions.on(CargoMisdirected.self) { misdirected, envelope in
            try await record.execute(.init(trackingID: misdirected.trackingId, transport: nil, location: misdirected.location, misdirected: true,
                                           claimed: false),
                                     eventID: envelope.id, eventType: envelope.type)
        }
        return subscriptions
    }

    /// Where the cargo is after a handling, as the order's freight status names it.
    static func transportStatus(after handling: CargoHandled.Handling) -> FreightStatus.Transport {
        switch handling {
        case .load: .onboardCarrier
        case .claim: .claimed
        case .receive, .unload, .customs: .inPort
        }
    }
}
