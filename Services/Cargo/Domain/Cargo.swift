import Foundation

/// Facts the cargo context tells the rest of the system.
public enum CargoEvent: Sendable, Hashable {
    case booked(TrackingID, RouteSpecification)
    case routed(TrackingID, Itinerary)
    case handled(HandlingEvent)
    case misdirected(TrackingID, at: UnLocode)
    case arrived(TrackingID, at: UnLocode)
    case claimed(TrackingID, at: UnLocode)

    public var name: String {
        switch self {
        case .booked: "CargoBooked"
        case .routed: "CargoRouted"
        case .handled: "CargoHandled"
        case .misdirected: "CargoMisdirected"
        case .arrived: "CargoArrived"
        case .claimed: "CargoClaimed"
        }
    }

    public var trackingID: TrackingID {
        switch self {
        case .booked(let id, _), .routed(let id, _), .misdirected(let id, _), .arrived(let id, _), .claimed(let id, _): id
        case .handled(let event): event.trackingID
        }
    }
}

/// The aggregate root: a cargo's identity, where it started, where it must go (the route specification), the plan
/// (itinerary) and the derived delivery, recomputed on every change. Changes return the events they cause.
public struct Cargo: Sendable, Hashable {
    public let trackingID: TrackingID
    public let origin: UnLocode
    public private(set) var routeSpecification: RouteSpecification
    public private(set) var itinerary: Itinerary?
    public private(set) var delivery: Delivery
    public let version: Int

    public init(trackingID: TrackingID, origin: UnLocode, routeSpecification: RouteSpecification, itinerary: Itinerary?,
                lastEvent: HandlingEvent?, calculatedAt: Date, version: Int) {
        self.trackingID = trackingID
        self.origin = origin
        self.routeSpecification = routeSpecification
        self.itinerary = itinerary
        self.delivery = Delivery(specification: routeSpecification, itinerary: itinerary, lastEvent: lastEvent, at: calculatedAt)
        self.version = version
    }

    public static func book(_ trackingID: TrackingID, specification: RouteSpecification, at now: Date) -> (Cargo, [CargoEvent]) {
        let cargo = Cargo(trackingID: trackingID, origin: specification.origin, routeSpecification: specification, itinerary: nil,
                          lastEvent: nil, calculatedAt: now, version: 0)
        return (cargo, [.booked(trackingID, specification)])
    }

    public mutating func assign(_ itinerary: Itinerary, at now: Date) -> [CargoEvent] {
        self.itinerary = itinerary
        return rederive(lastEvent: delivery.lastEvent, at: now, [.routed(trackingID, itinerary)])
    }

    /// A new destination, keeping the origin and deadline; the itinerary may no longer fit (MISROUTED).
    public mutating func changeDestination(to destination: UnLocode, at now: Date) throws(CargoError) -> [CargoEvent] {
        routeSpecification = try RouteSpecification(origin: routeSpecification.origin, destination: destination,
                                                    arrivalDeadline: routeSpecification.arrivalDeadline)
        return rederive(lastEvent: delivery.lastEvent, at: now, [])
    }

    /// After a misdirection: the rest of the journey starts where the cargo is now (in port), to the same
    /// destination by the same deadline. The old itinerary no longer fits until a new one is assigned.
    public mutating func rerouteFromCurrentLocation(at now: Date) throws(CargoError) -> [CargoEvent] {
        guard delivery.transportStatus == .inPort, let here = delivery.lastKnownLocation else {
            throw .notReroutable("only a cargo waiting in port can be rerouted from where it is")
        }
        guard here != routeSpecification.destination else { throw .notReroutable("the cargo is already at its destination") }
        routeSpecification = try RouteSpecification(origin: here, destination: routeSpecification.destination,
                                                    arrivalDeadline: routeSpecification.arrivalDeadline)
        return rederive(lastEvent: delivery.lastEvent, at: now, [])
    }

    /// Takes a newly registered event into account (the history decides which event is the last).
    public mutating func handled(_ event: HandlingEvent, history: HandlingHistory, at now: Date) -> [CargoEvent] {
        rederive(lastEvent: history.lastEvent, at: now, [.handled(event)])
    }

    private mutating func rederive(lastEvent: HandlingEvent?, at now: Date, _ events: [CargoEvent]) -> [CargoEvent] {
        let before = delivery
        delivery = Delivery(specification: routeSpecification, itinerary: itinerary, lastEvent: lastEvent, at: now)
        var events = events
        if let location = delivery.lastKnownLocation {
            if delivery.isMisdirected, !before.isMisdirected || before.lastEvent != delivery.lastEvent { events.append(.misdirected(trackingID, at: location)) }
            if delivery.isUnloadedAtDestination, !before.isUnloadedAtDestination { events.append(.arrived(trackingID, at: location)) }
            if delivery.transportStatus == .claimed, before.transportStatus != .claimed { events.append(.claimed(trackingID, at: location)) }
        }
        return events
    }
}
