import CargoDomain
import Foundation
import TradewindKernel

/// The itineraries over the stored voyages that satisfy a cargo's route specification, earliest arrival first.
/// Nothing changes: one of them is assigned with ``AssignRoute``.
public struct FindCandidateRoutes: Sendable {
    public static let limit = 5

    let cargos: any CargoRepository
    let routing: any RoutingService
    let clock: any WallClock

    public init(cargos: any CargoRepository, routing: any RoutingService, clock: any WallClock) {
        self.cargos = cargos
        self.routing = routing
        self.clock = clock
    }

    public func execute(for id: TrackingID) async throws -> [Itinerary] {
        let cargo = try await cargos.existing(id)
        return try await routing.candidates(for: cargo.routeSpecification, earliestDeparture: clock.now(), limit: Self.limit)
    }
}
