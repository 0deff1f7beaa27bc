import CargoDomain
import Foundation
import TradewindKernel

/// Routes a cargo onto an itinerary over known voyages and locations; whether it fits the route specification
/// shows in the routing status (MISROUTED when it does not).
public struct AssignRoute: Sendable {
    let cargos: any CargoRepository
    let locations: any LocationRepository
    let voyages: any VoyageRepository
    let clock: any WallClock

    public init(cargos: any CargoRepository, locations: any LocationRepository, voyages: any VoyageRepository, clock: any WallClock) {
        self.cargos = cargos
        self.locations = locations
        self.voyages = voyages
        self.clock = clock
    }

    public func execute(_ itinerary: Itinerary, to id: TrackingID) async throws -> Cargo {
        var cargo = try await cargos.existing(id)
        for leg in itinerary.legs {
            guard try await voyages.voyage(leg.voyage) != nil else { throw CargoError.unknownVoyage(leg.voyage.value) }
            _ = try await locations.known(leg.loadLocation)
            _ = try await locations.known(leg.unloadLocation)
        }
        let events = cargo.assign(itinerary, at: clock.now())
        try await cargos.save(cargo, recording: nil, events: events)
        return cargo.bumped()
    }
}
