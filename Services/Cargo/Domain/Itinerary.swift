import Foundation

/// One part of an itinerary: a voyage from a load location to an unload location.
public struct Leg: Sendable, Hashable {
    public let voyage: VoyageNumber
    public let loadLocation: UnLocode
    public let unloadLocation: UnLocode
    public let loadTime: Date
    public let unloadTime: Date

    public init(voyage: VoyageNumber, loadLocation: UnLocode, unloadLocation: UnLocode, loadTime: Date, unloadTime: Date) throws(CargoError) {
        guard loadLocation != unloadLocation else { throw .invalid("a leg must unload somewhere other than it loads") }
        guard unloadTime > loadTime else { throw .invalid("a leg must unload after it loads") }
        self.voyage = voyage
        self.loadLocation = loadLocation
        self.unloadLocation = unloadLocation
        self.loadTime = loadTime
        self.unloadTime = unloadTime
    }
}

/// The legs a cargo is planned to travel, connected end to start and in time order.
public struct Itinerary: Sendable, Hashable {
    public let legs: [Leg]

    public init(legs: [Leg]) throws(CargoError) {
        guard !legs.isEmpty else { throw .invalid("an itinerary needs at least one leg") }
        for (previous, next) in zip(legs, legs.dropFirst()) {
            guard previous.unloadLocation == next.loadLocation, next.loadTime >= previous.unloadTime else {
                throw .invalid("each leg must load where and after the previous one unloads")
            }
        }
        self.legs = legs
    }

    public var initialDepartureLocation: UnLocode { legs[0].loadLocation }
    public var finalArrivalLocation: UnLocode { legs[legs.count - 1].unloadLocation }
    public var finalArrivalTime: Date { legs[legs.count - 1].unloadTime }

    /// Whether the itinerary plans for this event (CUSTOMS is always expected). An UNLOAD at the itinerary's
    /// starting point is expected too: that is where a rerouted cargo waits for the first leg of its new plan
    /// (the Java sample leaves this case open and reports such a cargo misdirected forever).
    public func expects(_ event: HandlingEvent) -> Bool {
        switch event.type {
        case .receive: return legs[0].loadLocation == event.location
        case .load: return legs.contains { $0.loadLocation == event.location && $0.voyage == event.voyage }
        case .unload:
            return legs.contains { $0.unloadLocation == event.location && $0.voyage == event.voyage } || event.location == initialDepartureLocation
        case .claim: return finalArrivalLocation == event.location
        case .customs: return true
        }
    }
}

/// Where a cargo must go and by when.
public struct RouteSpecification: Sendable, Hashable {
    public let origin: UnLocode
    public let destination: UnLocode
    public let arrivalDeadline: Date

    public init(origin: UnLocode, destination: UnLocode, arrivalDeadline: Date) throws(CargoError) {
        guard origin != destination else { throw .invalid("origin and destination must differ") }
        self.origin = origin
        self.destination = destination
        self.arrivalDeadline = arrivalDeadline
    }

    /// The first leg loads at the origin, the last unloads at the destination before the deadline.
    public func isSatisfied(by itinerary: Itinerary) -> Bool {
        itinerary.initialDepartureLocation == origin && itinerary.finalArrivalLocation == destination
            && itinerary.finalArrivalTime < arrivalDeadline
    }
}
