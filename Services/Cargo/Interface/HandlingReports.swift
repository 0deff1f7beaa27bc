import CargoApplication
import CargoDomain
import Foundation
import TradewindKernel

/// Handling reports as port staff send them, JSON fields or CSV lines, read into domain terms; and how a refused
/// line of a batch is explained.
enum HandlingReports {
    /// A report's fields as text. A tracking id, location or voyage that cannot even be spelled is reported as
    /// unknown, as one that is well formed but not stored would be.
    static func report(completionTime: Date, trackingID: String, type: String, location: String, voyage: String?) throws(CargoError) -> HandlingReport {
        guard let trackingID = TrackingID(trackingID) else { throw .unknownCargo(String(trackingID.prefix(20))) }
        guard let type = HandlingEventType(rawValue: type.uppercased()) else {
            throw .invalid("event type must be one of \(HandlingEventType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let code = UnLocode(location) else { throw .unknownLocation(String(location.prefix(20))) }
        var number: VoyageNumber?
        if let voyage {
            guard let parsed = VoyageNumber(voyage) else { throw .unknownVoyage(String(voyage.prefix(20))) }
            number = parsed
        }
        return HandlingReport(completionTime: completionTime, trackingID: trackingID, type: type, location: code, voyage: number)
    }

    /// `completionTime,trackingId,eventType,location,voyage` per line (RFC 3339 time, voyage empty for RECEIVE,
    /// CLAIM and CUSTOMS), with any line ending; a first line starting with `completionTime` is a header and blank
    /// lines are skipped. Lines are numbered as an editor shows them.
    static func batch(csv: String) -> (lines: [RegisterHandlingBatch.Line], unreadable: [RegisterHandlingBatch.LineProblem]) {
        var lines: [RegisterHandlingBatch.Line] = []
        var unreadable: [RegisterHandlingBatch.LineProblem] = []
        // "\r\n" is one Character in Swift: splitting on "\n" alone would find a single line in a Windows file.
        for (index, line) in csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let number = index + 1
            if line.allSatisfy(\.isWhitespace) || (index == 0 && line.lowercased().hasPrefix("completiontime")) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace }
            guard fields.count == 5 else {
                unreadable.append(.init(line: number, reason: .unreadable("expected 5 comma-separated fields, found \(fields.count)")))
                continue
            }
            guard let time = try? Date.ISO8601FormatStyle().parse(fields[0]) else {
                unreadable.append(.init(line: number, reason: .unreadable("completion time '\(fields[0].prefix(40))' is not an RFC 3339 date-time")))
                continue
            }
            do {
                let report = try report(completionTime: time, trackingID: fields[1], type: fields[2], location: fields[3],
                                        voyage: fields[4].isEmpty ? nil : fields[4])
                lines.append(.init(number: number, report: report))
            } catch {
                unreadable.append(.init(line: number, reason: .refused(error)))
            }
        }
        return (lines, unreadable)
    }

    static func describe(_ reason: RegisterHandlingBatch.LineProblem.Reason) -> String {
        switch reason {
        case .unreadable(let why): why
        case .refused(let error): describe(error)
        }
    }

    static func describe(_ error: CargoError) -> String {
        switch error {
        case .invalid(let reason): reason
        case .unknownCargo(let id): "no cargo has the tracking id '\(id)'"
        case .unknownLocation(let code): "unknown location '\(code)'"
        case .unknownVoyage(let number): "unknown voyage '\(number)'"
        case .voyageRequired(let type): "a \(type.rawValue) event needs a voyage"
        case .voyageNotAllowed(let type): "a \(type.rawValue) event must not name a voyage"
        case .itineraryDoesNotFit(let reason), .notReroutable(let reason): reason
        case .noRoute(let destination): "no itinerary reaches \(destination) by the arrival deadline"
        case .concurrentUpdate: "the cargo changed at the same time"
        }
    }
}
