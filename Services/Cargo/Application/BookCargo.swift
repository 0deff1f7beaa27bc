import CargoDomain
import Foundation
import TradewindKernel

/// Books a cargo from one location of the network to another by a deadline. Under a `reference` already used it
/// returns the cargo booked then: a retried booking is one booking.
public struct BookCargo: Sendable {
    let cargos: any CargoRepository
    let locations: any LocationRepository
    let clock: any WallClock
    let ids: any IdentifierGenerator

    public init(cargos: any CargoRepository, locations: any LocationRepository, clock: any WallClock, ids: any IdentifierGenerator) {
        self.cargos = cargos
        self.locations = locations
        self.clock = clock
        self.ids = ids
    }

    public func execute(from origin: UnLocode, to destination: UnLocode, arrivalDeadline: Date,
                        reference: String? = nil) async throws -> (cargo: Cargo, created: Bool) {
        if let reference, let existing = try await cargos.cargo(reference: reference) { return (existing, false) }
        let specification = try RouteSpecification(origin: try await locations.known(origin), destination: try await locations.known(destination),
                                                   arrivalDeadline: arrivalDeadline)
        guard arrivalDeadline > clock.now() else { throw CargoError.invalid("the arrival deadline must be in the future") }
        let (cargo, events) = Cargo.book(TrackingID.next(from: ids), specification: specification, at: clock.now())
        do {
            try await cargos.book(cargo, reference: reference, events: events)
        } catch CargoError.concurrentUpdate {
            if let reference, let existing = try await cargos.cargo(reference: reference) { return (existing, false) }
            throw CargoError.concurrentUpdate
        }
        return (cargo, true)
    }
}
