import CargoDomain
import Foundation
import TradewindKernel

/// Booking and routing: book a cargo, ask for candidate routes, assign one, change the destination, reroute a
/// misdirected cargo from where it is.
public struct Booking: Sendable {
    let cargos: any CargoRepository
    let locations: any LocationRepository
    let voyages: any VoyageRepository
    let routing: any RoutingService
    let clock: any WallClock
    let ids: any IdentifierGenerator
    public static let candidateLimit = 5

    public init(cargos: any CargoRepository, locations: any LocationRepository, voyages: any VoyageRepository, routing: any RoutingService,
                clock: any WallClock, ids: any IdentifierGenerator) {
        self.cargos = cargos
        self.locations = locations
        self.voyages = voyages
        self.routing = routing
        self.clock = clock
        self.ids = ids
    }

    /// Books a cargo; under a `reference` already used, returns the cargo booked then (a retried booking is one booking).
    public func book(origin: String, destination: String, arrivalDeadline: Date, reference: String? = nil) async throws -> (cargo: Cargo, created: Bool) {
        if let reference, let existing = try await cargos.cargo(reference: reference) { return (existing, false) }
        let from = try await knownLocation(origin), to = try await knownLocation(destination)
        guard arrivalDeadline > clock.now() else { throw CargoError.invalid("the arrival deadline must be in the future") }
        let (cargo, events) = Cargo.book(TrackingID.next(from: ids), specification: try RouteSpecification(origin: from, destination: to, arrivalDeadline: arrivalDeadline), at: clock.now())
        do {
            try await cargos.book(cargo, reference: reference, events: events)
        } catch CargoError.concurrentUpdate {
            if let reference, let existing = try await cargos.cargo(reference: reference) { return (existing, false) }
            throw CargoError.concurrentUpdate
        }
        return (cargo, true)
    }

    public func candidateRoutes(for id: String) async throws -> [Itinerary] {
        let cargo = try await load(id)
        return try await routing.candidates(for: cargo.routeSpecification, earliestDeparture: clock.now(), limit: Self.candidateLimit)
    }

    /// Any itinerary over known voyages may be assigned; whether it fits the specification shows in the routing status.
    public func assign(_ itinerary: Itinerary, to id: String) async throws -> Cargo {
        var cargo = try await load(id)
        for leg in itinerary.legs {
            guard try await voyages.voyage(leg.voyage) != nil else { throw CargoError.unknownVoyage(leg.voyage.value) }
            _ = try await knownLocation(leg.loadLocation.value)
            _ = try await knownLocation(leg.unloadLocation.value)
        }
        let events = cargo.assign(itinerary, at: clock.now())
        try await cargos.save(cargo, recording: nil, events: events)
        return cargo.bumped()
    }

    public func changeDestination(of id: String, to destination: String) async throws -> Cargo {
        var cargo = try await load(id)
        let events = try cargo.changeDestination(to: try await knownLocation(destination), at: clock.now())
        try await cargos.save(cargo, recording: nil, events: events)
        return cargo.bumped()
    }

    public func rerouteFromCurrentLocation(_ id: String) async throws -> Cargo {
        var cargo = try await load(id)
        let events = try cargo.rerouteFromCurrentLocation(at: clock.now())
        try await cargos.save(cargo, recording: nil, events: events)
        return cargo.bumped()
    }

    func load(_ id: String) async throws -> Cargo {
        guard let trackingID = TrackingID(id), let cargo = try await cargos.cargo(trackingID) else { throw CargoError.unknownCargo(String(id.prefix(20))) }
        return cargo
    }

    func knownLocation(_ code: String) async throws -> UnLocode {
        guard let unLocode = UnLocode(code), try await locations.location(unLocode) != nil else {
            throw CargoError.unknownLocation(String(code.prefix(20)))
        }
        return unLocode
    }
}

extension Cargo {
    /// The cargo as stored after a successful save.
    func bumped() -> Cargo {
        Cargo(trackingID: trackingID, origin: origin, routeSpecification: routeSpecification, itinerary: itinerary,
              lastEvent: delivery.lastEvent, calculatedAt: delivery.calculatedAt, version: version + 1)
    }
}
