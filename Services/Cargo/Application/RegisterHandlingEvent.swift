import CargoDomain
import Foundation
import TradewindKernel

/// One handling report: checked, applied to its cargo (whose delivery is recomputed from its whole history), and
/// stored with the events it causes.
public struct RegisterHandlingEvent: Sendable {
    let check: HandlingReportCheck
    let cargos: any CargoRepository
    let clock: any WallClock

    public init(cargos: any CargoRepository, locations: any LocationRepository, voyages: any VoyageRepository, clock: any WallClock) {
        check = HandlingReportCheck(cargos: cargos, locations: locations, voyages: voyages, clock: clock)
        self.cargos = cargos
        self.clock = clock
    }

    @discardableResult
    public func execute(_ report: HandlingReport) async throws -> Cargo {
        let event = try await check.event(for: report)
        guard var cargo = try await cargos.cargo(event.trackingID) else { throw CargoError.unknownCargo(event.trackingID.value) }
        let history = HandlingHistory(try await cargos.history(of: event.trackingID).events + [event])
        let events = cargo.handled(event, history: history, at: clock.now())
        try await cargos.save(cargo, recording: event, events: events)
        return cargo.bumped()
    }
}
