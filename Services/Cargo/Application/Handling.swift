import CargoDomain
import Foundation
import TradewindKernel

/// Handling reports from port staff, one at a time or as a CSV batch that is stored, in one transaction, only if
/// every line is valid.
public struct Handling: Sendable {
    /// One report as received.
    public struct Report: Sendable, Equatable {
        public let completionTime: Date
        public let trackingID: String
        public let type: String
        public let location: String
        public let voyage: String?

        public init(completionTime: Date, trackingID: String, type: String, location: String, voyage: String?) {
            self.completionTime = completionTime
            self.trackingID = trackingID
            self.type = type
            self.location = location
            self.voyage = voyage
        }
    }

    /// A line of a batch that cannot be accepted.
    public struct LineProblem: Sendable, Equatable {
        public let line: Int
        public let reason: String
    }

    public struct BatchRejected: Error, Equatable {
        public let problems: [LineProblem]
    }

    let cargos: any CargoRepository
    let locations: any LocationRepository
    let voyages: any VoyageRepository
    let clock: any WallClock
    public static let maximumBatchLines = 1000

    public init(cargos: any CargoRepository, locations: any LocationRepository, voyages: any VoyageRepository, clock: any WallClock) {
        self.cargos = cargos
        self.locations = locations
        self.voyages = voyages
        self.clock = clock
    }

    @discardableResult
    public func register(_ report: Report) async throws -> Cargo {
        let event = try await validated(report)
        return try await apply(event)
    }

    /// `completionTime,trackingId,eventType,location,voyage` per line (RFC 3339 time, voyage empty for RECEIVE,
    /// CLAIM and CUSTOMS); a first line starting with `completionTime` is a header. Every line is checked before
    /// anything is stored; a rejected batch lists each bad line with its number and reason.
    public func registerBatch(csv: String) async throws -> Int {
        var events: [HandlingEvent] = []
        var problems: [LineProblem] = []
        // Any line ending: "\r\n" is one Character in Swift, so splitting on "\n" alone would find one line.
        let lines = csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let dataLines = lines.enumerated().filter { !$0.element.allSatisfy(\.isWhitespace) }
        guard dataLines.count <= Self.maximumBatchLines + 1 else {
            throw BatchRejected(problems: [LineProblem(line: 0, reason: "a batch holds at most \(Self.maximumBatchLines) lines")])
        }
        for (index, line) in dataLines {
            if index == 0, line.lowercased().hasPrefix("completiontime") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace }
            guard fields.count == 5 else {
                problems.append(LineProblem(line: index + 1, reason: "expected 5 comma-separated fields, found \(fields.count)"))
                continue
            }
            guard let time = try? Date.ISO8601FormatStyle().parse(fields[0]) else {
                problems.append(LineProblem(line: index + 1, reason: "completion time '\(fields[0].prefix(40))' is not an RFC 3339 date-time"))
                continue
            }
            do {
                events.append(try await validated(Report(completionTime: time, trackingID: fields[1], type: fields[2], location: fields[3],
                                                         voyage: fields[4].isEmpty ? nil : fields[4])))
            } catch let error as CargoError {
                problems.append(LineProblem(line: index + 1, reason: Self.describe(error)))
            }
        }
        guard problems.isEmpty else { throw BatchRejected(problems: problems) }
        guard !events.isEmpty else { throw BatchRejected(problems: [LineProblem(line: 0, reason: "the batch has no events")]) }
        try await cargos.saveAll(try await changes(applying: events.sorted { $0.completionTime < $1.completionTime }))
        return events.count
    }

    /// The batch's events applied in order, in memory: a cargo handled twice sees its first event in its history
    /// when the second is applied, and is saved at its next version.
    private func changes(applying events: [HandlingEvent]) async throws -> [CargoChange] {
        var working: [TrackingID: (cargo: Cargo, history: [HandlingEvent])] = [:]
        var changes: [CargoChange] = []
        for event in events {
            var cargo: Cargo, history: [HandlingEvent]
            if let known = working[event.trackingID] {
                (cargo, history) = known
            } else {
                guard let stored = try await cargos.cargo(event.trackingID) else { throw CargoError.unknownCargo(event.trackingID.value) }
                (cargo, history) = (stored, try await cargos.history(of: event.trackingID).events)
            }
            history.append(event)
            let caused = cargo.handled(event, history: HandlingHistory(history), at: clock.now())
            changes.append(CargoChange(cargo: cargo, handling: event, events: caused))
            working[event.trackingID] = (cargo.bumped(), history)
        }
        return changes
    }

    private func validated(_ report: Report) async throws -> HandlingEvent {
        guard let trackingID = TrackingID(report.trackingID), try await cargos.cargo(trackingID) != nil else {
            throw CargoError.unknownCargo(String(report.trackingID.prefix(20)))
        }
        guard let type = HandlingEventType(rawValue: report.type.uppercased()) else {
            throw CargoError.invalid("event type must be one of \(HandlingEventType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let location = UnLocode(report.location), try await locations.location(location) != nil else {
            throw CargoError.unknownLocation(String(report.location.prefix(20)))
        }
        var voyage: VoyageNumber?
        if let raw = report.voyage {
            guard let number = VoyageNumber(raw), try await voyages.voyage(number) != nil else { throw CargoError.unknownVoyage(String(raw.prefix(20))) }
            voyage = number
        }
        let now = clock.now()
        guard report.completionTime <= now.addingTimeInterval(300) else { throw CargoError.invalid("the completion time is in the future") }
        return try HandlingEvent(trackingID: trackingID, type: type, location: location, voyage: voyage,
                                 completionTime: report.completionTime, registrationTime: now)
    }

    private func apply(_ event: HandlingEvent) async throws -> Cargo {
        guard var cargo = try await cargos.cargo(event.trackingID) else { throw CargoError.unknownCargo(event.trackingID.value) }
        let history = HandlingHistory(try await cargos.history(of: event.trackingID).events + [event])
        let events = cargo.handled(event, history: history, at: clock.now())
        try await cargos.save(cargo, recording: event, events: events)
        return cargo.bumped()
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
        case .concurrentUpdate: "the cargo changed at the same time"
        }
    }
}
