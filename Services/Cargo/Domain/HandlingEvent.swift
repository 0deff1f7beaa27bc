import Foundation

public enum HandlingEventType: String, Sendable, Hashable, CaseIterable {
    case receive = "RECEIVE", load = "LOAD", unload = "UNLOAD", claim = "CLAIM", customs = "CUSTOMS"

    /// LOAD and UNLOAD happen on a voyage; RECEIVE, CLAIM and CUSTOMS must not name one.
    public var requiresVoyage: Bool { self == .load || self == .unload }
}

/// Something that happened to a cargo at a location, as port staff reported it.
public struct HandlingEvent: Sendable, Hashable {
    public let trackingID: TrackingID
    public let type: HandlingEventType
    public let location: UnLocode
    public let voyage: VoyageNumber?
    public let completionTime: Date
    public let registrationTime: Date

    public init(trackingID: TrackingID, type: HandlingEventType, location: UnLocode, voyage: VoyageNumber?, completionTime: Date,
                registrationTime: Date) throws(CargoError) {
        if type.requiresVoyage, voyage == nil { throw .voyageRequired(type) }
        if !type.requiresVoyage, voyage != nil { throw .voyageNotAllowed(type) }
        self.trackingID = trackingID
        self.type = type
        self.location = location
        self.voyage = voyage
        self.completionTime = completionTime
        self.registrationTime = registrationTime
    }
}

/// The events of one cargo.
public struct HandlingHistory: Sendable, Hashable {
    public let events: [HandlingEvent]

    public init(_ events: [HandlingEvent]) {
        self.events = events.sorted { ($0.completionTime, $0.registrationTime) < ($1.completionTime, $1.registrationTime) }
    }

    /// The latest by completion time (by registration time among equals).
    public var lastEvent: HandlingEvent? { events.last }
}

/// What is expected to happen next to a cargo.
public struct HandlingActivity: Sendable, Hashable {
    public let type: HandlingEventType
    public let location: UnLocode
    public let voyage: VoyageNumber?

    public init(_ type: HandlingEventType, at location: UnLocode, voyage: VoyageNumber? = nil) {
        self.type = type
        self.location = location
        self.voyage = voyage
    }
}
