import Foundation

public enum TransportStatus: String, Sendable, Hashable, CaseIterable {
    case notReceived = "NOT_RECEIVED", inPort = "IN_PORT", onboardCarrier = "ONBOARD_CARRIER", claimed = "CLAIMED", unknown = "UNKNOWN"
}

public enum RoutingStatus: String, Sendable, Hashable, CaseIterable {
    case notRouted = "NOT_ROUTED", routed = "ROUTED", misrouted = "MISROUTED"
}

/// Where a cargo is in its journey, derived from its route specification, itinerary and last handling event.
/// Never edited: every change to those three computes a new one.
public struct Delivery: Sendable, Hashable {
    public let lastEvent: HandlingEvent?
    public let transportStatus: TransportStatus
    public let lastKnownLocation: UnLocode?
    public let currentVoyage: VoyageNumber?
    public let routingStatus: RoutingStatus
    public let isMisdirected: Bool
    public let estimatedTimeOfArrival: Date?
    public let nextExpectedActivity: HandlingActivity?
    public let isUnloadedAtDestination: Bool
    public let calculatedAt: Date

    public init(specification: RouteSpecification, itinerary: Itinerary?, lastEvent: HandlingEvent?, at now: Date) {
        self.lastEvent = lastEvent
        self.calculatedAt = now
        transportStatus = switch lastEvent?.type {
        case nil: .notReceived
        case .load: .onboardCarrier
        case .unload, .receive, .customs: .inPort
        case .claim: .claimed
        }
        lastKnownLocation = lastEvent?.location
        currentVoyage = transportStatus == .onboardCarrier ? lastEvent?.voyage : nil
        routingStatus = itinerary.map { specification.isSatisfied(by: $0) ? .routed : .misrouted } ?? .notRouted
        isMisdirected = lastEvent.map { event in itinerary.map { !$0.expects(event) } ?? false } ?? false
        let onTrack = routingStatus == .routed && !isMisdirected
        estimatedTimeOfArrival = onTrack ? itinerary?.finalArrivalTime : nil
        nextExpectedActivity = onTrack ? itinerary.flatMap { Self.nextActivity(after: lastEvent, on: $0, specification: specification) } : nil
        isUnloadedAtDestination = lastEvent.map { $0.type == .unload && $0.location == specification.destination } ?? false
    }

    public var isOnTrack: Bool { routingStatus == .routed && !isMisdirected }

    static func nextActivity(after event: HandlingEvent?, on itinerary: Itinerary, specification: RouteSpecification) -> HandlingActivity? {
        guard let event else { return HandlingActivity(.receive, at: specification.origin) }
        let legs = itinerary.legs
        switch event.type {
        case .receive:
            return HandlingActivity(.load, at: legs[0].loadLocation, voyage: legs[0].voyage)
        case .load:
            guard let leg = legs.first(where: { $0.loadLocation == event.location && $0.voyage == event.voyage }) else { return nil }
            return HandlingActivity(.unload, at: leg.unloadLocation, voyage: leg.voyage)
        case .unload:
            guard let index = legs.firstIndex(where: { $0.unloadLocation == event.location && $0.voyage == event.voyage }) else {
                // Waiting at the start of a new plan after a reroute.
                return event.location == itinerary.initialDepartureLocation ? HandlingActivity(.load, at: legs[0].loadLocation, voyage: legs[0].voyage) : nil
            }
            if index + 1 < legs.count {
                let next = legs[index + 1]
                return HandlingActivity(.load, at: next.loadLocation, voyage: next.voyage)
            }
            return HandlingActivity(.claim, at: legs[index].unloadLocation)
        case .claim, .customs:
            return nil
        }
    }
}
