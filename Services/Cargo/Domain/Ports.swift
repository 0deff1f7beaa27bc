import Foundation
import TradewindKernel

public protocol CargoRepository: Sendable {
    func cargo(_ id: TrackingID) async throws -> Cargo?
    /// The cargo booked under the booker's reference, if any.
    func cargo(reference: String) async throws -> Cargo?
    func all() async throws -> [Cargo]
    /// Stores a new cargo (version 0) or a changed one whose stored version is `cargo.version`, with the handling
    /// event that changed it (if any) and the events the change caused, all in one transaction; fails with
    /// ``CargoError/concurrentUpdate`` when someone else changed the cargo first.
    func save(_ cargo: Cargo, recording handling: HandlingEvent?, events: [CargoEvent]) async throws
    /// Stores several such changes in one transaction, in order: all of them or, when any fails (a cargo changed
    /// by someone else first), none. A cargo changed twice appears twice, the second time at its next version.
    func saveAll(_ changes: [CargoChange]) async throws
    /// The cargos booked under those of `references` that were used, by reference.
    func cargos(references: [String]) async throws -> [String: Cargo]
    /// Stores newly booked cargos, each under its booker's reference, atomically. A reference is unique: a
    /// booking whose reference was used meanwhile stores nothing, and is among the tracking ids returned.
    func book(_ bookings: [NewBooking]) async throws -> Set<TrackingID>
    func history(of cargo: TrackingID) async throws -> HandlingHistory
}

/// A newly booked cargo, with the booker's reference and the events of its booking: one element of a batch.
public struct NewBooking: Sendable {
    public let cargo: Cargo
    public let reference: String?
    public let events: [CargoEvent]

    public init(cargo: Cargo, reference: String?, events: [CargoEvent]) {
        self.cargo = cargo
        self.reference = reference
        self.events = events
    }
}

/// A cargo as changed by a handling event, with the events the change caused: one element of a batch.
public struct CargoChange: Sendable {
    public let cargo: Cargo
    public let handling: HandlingEvent?
    public let events: [CargoEvent]

    public init(cargo: Cargo, handling: HandlingEvent?, events: [CargoEvent]) {
        self.cargo = cargo
        self.handling = handling
        self.events = events
    }
}

public protocol LocationRepository: Sendable {
    func all() async throws -> [Location]
    func location(_ code: UnLocode) async throws -> Location?
    /// Those of `codes` that are locations of the network.
    func knownCodes(among codes: [UnLocode]) async throws -> Set<UnLocode>
}

public protocol VoyageRepository: Sendable {
    func all() async throws -> [Voyage]
    func voyage(_ number: VoyageNumber) async throws -> Voyage?
}

/// Finds itineraries for a route specification; implemented over the voyage network in Infrastructure.
public protocol RoutingService: Sendable {
    /// At most `limit` itineraries that satisfy `specification` and depart no earlier than `earliestDeparture`,
    /// ordered by arrival; the same network gives the same answer.
    func candidates(for specification: RouteSpecification, earliestDeparture: Date, limit: Int) async throws -> [Itinerary]
}
