import CargoDomain
import Foundation
import TradewindKernel

/// Books a cargo from one location of the network to another by a deadline. Under a `reference` already used it
/// returns the cargo booked then: a retried booking is one booking. Booked ``Routing/earliestArrival``, the cargo is
/// also routed in the same step, on the candidate itinerary that arrives first; when no itinerary meets the
/// specification nothing is booked.
public struct BookCargo: Sendable {
    /// How a booking is routed.
    public enum Routing: Sendable, Equatable {
        /// Left unrouted: a route is chosen later (``FindCandidateRoutes``, ``AssignRoute``).
        case later
        /// Assigned the candidate that arrives first, as ``FindCandidateRoutes`` would list it first.
        case earliestArrival
    }

    let cargos: any CargoRepository
    let locations: any LocationRepository
    let routing: any RoutingService
    let clock: any WallClock
    let ids: any IdentifierGenerator

    public init(cargos: any CargoRepository, locations: any LocationRepository, routing: any RoutingService, clock: any WallClock,
                ids: any IdentifierGenerator) {
        self.cargos = cargos
        self.locations = locations
        self.routing = routing
        self.clock = clock
        self.ids = ids
    }

    public func execute(from origin: UnLocode, to destination: UnLocode, arrivalDeadline: Date, reference: String? = nil,
                        routed: Routing = .later) async throws -> (cargo: Cargo, created: Bool) {
        if let reference, let existing = try await cargos.cargo(reference: reference) { return (existing, false) }
        let specification = try RouteSpecification(origin: try await locations.known(origin), destination: try await locations.known(destination),
                                                   arrivalDeadline: arrivalDeadline)
        guard arrivalDeadline > clock.now() else { throw CargoError.invalid("the arrival deadline must be in the future") }
        var (cargo, events) = Cargo.book(TrackingID.next(from: ids), specification: specification, at: clock.now())
        if routed == .earliestArrival {
            let candidates = try await routing.candidates(for: specification, earliestDeparture: clock.now(), limit: 1)
            guard let earliest = candidates.first else { throw CargoError.noRoute(destination: destination.value) }
            events += cargo.assign(earliest, at: clock.now())
        }
        do {
            try await cargos.book(cargo, reference: reference, events: events)
        } catch CargoError.concurrentUpdate {
            if let reference, let existing = try await cargos.cargo(reference: reference) { return (existing, false) }
            throw CargoError.concurrentUpdate
        }
        return (cargo, true)
    }
}
