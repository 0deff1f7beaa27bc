import CargoDomain
import Foundation
import TradewindKernel

/// Starts a misdirected cargo's route specification again from where it is now, so that a new route can be found.
public struct RerouteCargo: Sendable {
    let cargos: any CargoRepository
    let clock: any WallClock

    public init(cargos: any CargoRepository, clock: any WallClock) {
        self.cargos = cargos
        self.clock = clock
    }

    public func execute(_ id: TrackingID) async throws -> Cargo {
        var cargo = try await cargos.existing(id)
        let events = try cargo.rerouteFromCurrentLocation(at: clock.now())
        try await cargos.save(cargo, recording: nil, events: events)
        return cargo.bumped()
    }
}
