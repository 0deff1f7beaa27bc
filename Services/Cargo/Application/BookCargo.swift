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

    /// One booking of a batch.
    public struct Request: Sendable {
        public let origin: UnLocode
        public let destination: UnLocode
        public let arrivalDeadline: Date
        public let reference: String?
        public let routed: Routing

        public init(from origin: UnLocode, to destination: UnLocode, arrivalDeadline: Date, reference: String? = nil, routed: Routing = .later) {
            self.origin = origin
            self.destination = destination
            self.arrivalDeadline = arrivalDeadline
            self.reference = reference
            self.routed = routed
        }
    }

    public func execute(from origin: UnLocode, to destination: UnLocode, arrivalDeadline: Date, reference: String? = nil,
                        routed: Routing = .later) async throws -> (cargo: Cargo, created: Bool) {
        try await execute([Request(from: origin, to: destination, arrivalDeadline: arrivalDeadline, reference: reference, routed: routed)])[0].get()
    }

    /// Each booking as if made alone, with one read of the locations (of codes not seen before) and one write for
    /// them all. One result per request, in the order given; a refusal is that request's result. A reference already
    /// booked is found by the write, which stores nothing under it, and its cargo is the result: a retry is not looked
    /// for before booking, since nearly every request is a first one. A reference given twice books once: the later
    /// request finds the cargo of the first, as it would in a request of its own.
    public func execute(_ requests: [Request]) async throws -> [Result<(cargo: Cargo, created: Bool), CargoError>] {
        let known = try await locations.knownCodes(among: requests.flatMap { [$0.origin, $0.destination] })
        var results = [Result<(cargo: Cargo, created: Bool), CargoError>?](repeating: nil, count: requests.count)
        var bookings: [(index: Int, booking: NewBooking)] = []
        var firstUnder: [String: Int] = [:]
        var repeats: [(index: Int, first: Int)] = []
        var refusedUnder: [(index: Int, reference: String)] = []
        for (index, request) in requests.enumerated() {
            if let reference = request.reference {
                if let first = firstUnder[reference] {
                    repeats.append((index, first))
                    continue
                }
                firstUnder[reference] = index
            }
            do {
                let (cargo, events) = try await book(request, known: known)
                bookings.append((index, NewBooking(cargo: cargo, reference: request.reference, events: events)))
            } catch let refusal as CargoError {
                results[index] = .failure(refusal)
                if let reference = request.reference { refusedUnder.append((index, reference)) }
            }
        }
        let notStored = try await cargos.book(bookings.map(\.booking))
        for (index, booking) in bookings {
            if !notStored.contains(booking.cargo.trackingID) {
                results[index] = .success((booking.cargo, true))
            } else if let reference = booking.reference, let cargo = try await cargos.cargo(reference: reference) {
                // Booked before (a retry) or meanwhile (a concurrent request) under the same reference.
                results[index] = .success((cargo, false))
            } else {
                results[index] = .failure(.concurrentUpdate)
            }
        }
        // A retry is the booking made then, also when the same request would now be refused (its deadline passed,
        // its route gone).
        if !refusedUnder.isEmpty {
            let booked = try await cargos.cargos(references: refusedUnder.map(\.reference))
            for (index, reference) in refusedUnder {
                if let cargo = booked[reference] { results[index] = .success((cargo, false)) }
            }
        }
        for (index, first) in repeats { results[index] = results[first]!.map { ($0.cargo, false) } }
        return results.map { $0! }
    }

    private func book(_ request: Request, known: Set<UnLocode>) async throws -> (Cargo, [CargoEvent]) {
        for code in [request.origin, request.destination] where !known.contains(code) { throw CargoError.unknownLocation(code.value) }
        let specification = try RouteSpecification(origin: request.origin, destination: request.destination, arrivalDeadline: request.arrivalDeadline)
        guard request.arrivalDeadline > clock.now() else { throw CargoError.invalid("the arrival deadline must be in the future") }
        var (cargo, events) = Cargo.book(TrackingID.next(from: ids), specification: specification, at: clock.now())
        if request.routed == .earliestArrival {
            let candidates = try await routing.candidates(for: specification, earliestDeparture: clock.now(), limit: 1)
            guard let earliest = candidates.first else { throw CargoError.noRoute(destination: request.destination.value) }
            events += cargo.assign(earliest, at: clock.now())
        }
        return (cargo, events)
    }
}
