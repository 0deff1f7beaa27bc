import CargoDomain
import Foundation
import TradewindKernel

/// A handling report from port staff, in domain terms: the Interface has read its text.
public struct HandlingReport: Sendable, Equatable {
    public let completionTime: Date
    public let trackingID: TrackingID
    public let type: HandlingEventType
    public let location: UnLocode
    public let voyage: VoyageNumber?

    public init(completionTime: Date, trackingID: TrackingID, type: HandlingEventType, location: UnLocode, voyage: VoyageNumber?) {
        self.completionTime = completionTime
        self.trackingID = trackingID
        self.type = type
        self.location = location
        self.voyage = voyage
    }
}

/// What both handling use cases check before anything is stored: the cargo, the location and the voyage exist,
/// the event is well formed for its type, and it did not happen in the future.
struct HandlingReportCheck: Sendable {
    let cargos: any CargoRepository
    let locations: any LocationRepository
    let voyages: any VoyageRepository
    let clock: any WallClock

    func event(for report: HandlingReport) async throws -> HandlingEvent {
        guard try await cargos.cargo(report.trackingID) != nil else { throw CargoError.unknownCargo(report.trackingID.value) }
        guard try await locations.location(report.location) != nil else { throw CargoError.unknownLocation(report.location.value) }
        if let voyage = report.voyage, try await voyages.voyage(voyage) == nil { throw CargoError.unknownVoyage(voyage.value) }
        let now = clock.now()
        guard report.completionTime <= now.addingTimeInterval(300) else { throw CargoError.invalid("the completion time is in the future") }
        return try HandlingEvent(trackingID: report.trackingID, type: report.type, location: report.location, voyage: report.voyage,
                                 completionTime: report.completionTime, registrationTime: now)
    }
}
