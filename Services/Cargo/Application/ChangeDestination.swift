import CargoDomain
import Foundation
import TradewindKernel

/// Sends a cargo to another known location, keeping its origin and deadline; the itinerary may no longer fit.
public struct ChangeDestination: Sendable {
    let cargos: any CargoRepository
    let locations: any LocationRepository
    let clock: any WallClock

    public init(cargos: any CargoRepository, locations: any LocationRepository, clock: any WallClock) {
        self.cargos = cargos
        self.locations = locations
        self.clock = clock
    }

    public func execute(of id: TrackingID, to destination: UnLocode) async throws -> Cargo {
        var cargo = try await cargos.existing(id)
        let events = try cargo.changeDestination(to: try await locations.known(destination), at: clock.now())
        try await cargos.save(cargo, recording: nil, events: events)
        return cargo.bumped()
    }
}
