import CargoDomain
import HTTPTypes
import TradewindRuntime

public enum CargoProblems {
    public static func map(_ error: any Error) -> Problem? {
        guard let error = error as? CargoError else { return nil }
        switch error {
        case .invalid(let reason): return .validation(reason)
        case .unknownCargo: return .notFound("no cargo has this tracking id")
        case .unknownLocation(let code): return .validation("unknown location '\(code)'")
        case .unknownVoyage(let number): return .validation("unknown voyage '\(number)'")
        case .voyageRequired(let type): return .validation("a \(type.rawValue) event needs a voyage")
        case .voyageNotAllowed(let type): return .validation("a \(type.rawValue) event must not name a voyage")
        case .itineraryDoesNotFit(let reason): return .validation(reason)
        case .notReroutable(let reason): return .conflict(reason)
        case .noRoute(let destination): return .validation("no itinerary reaches \(destination) by the arrival deadline; nothing was booked")
        case .concurrentUpdate: return .conflict("the cargo changed at the same time; read it and try again")
        }
    }
}
