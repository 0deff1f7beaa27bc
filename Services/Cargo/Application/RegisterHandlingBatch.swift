import CargoDomain
import Foundation
import TradewindKernel

/// A batch of handling reports, stored in one transaction only if every line is valid; a rejected batch names each
/// bad line with its number and reason.
public struct RegisterHandlingBatch: Sendable {
    /// One report of a batch, with its line number in the upload.
    public struct Line: Sendable, Equatable {
        public let number: Int
        public let report: HandlingReport

        public init(number: Int, report: HandlingReport) {
            self.number = number
            self.report = report
        }
    }

    /// A line of a batch that cannot be accepted: its text could not be read (the Interface says why), or the
    /// report it holds is refused. Line 0 stands for the whole batch.
    public struct LineProblem: Sendable, Equatable {
        public enum Reason: Sendable, Equatable {
            case unreadable(String)
            case refused(CargoError)
        }

        public let line: Int
        public let reason: Reason

        public init(line: Int, reason: Reason) {
            self.line = line
            self.reason = reason
        }
    }

    public struct BatchRejected: Error, Equatable {
        public let problems: [LineProblem]

        public init(problems: [LineProblem]) { self.problems = problems }
    }

    public static let maximumLines = 1000

    let check: HandlingReportCheck
    let cargos: any CargoRepository
    let clock: any WallClock

    public init(cargos: any CargoRepository, locations: any LocationRepository, voyages: any VoyageRepository, clock: any WallClock) {
        check = HandlingReportCheck(cargos: cargos, locations: locations, voyages: voyages, clock: clock)
        self.cargos = cargos
        self.clock = clock
    }

    /// Checks every line, adds the problems of the lines the Interface could not read (`unreadable`), and stores
    /// the events in order of completion only when there is no problem at all. Returns how many were stored.
    public func execute(_ lines: [Line], unreadable: [LineProblem] = []) async throws -> Int {
        guard lines.count + unreadable.count <= Self.maximumLines else {
            throw BatchRejected(problems: [LineProblem(line: 0, reason: .refused(.invalid("a batch holds at most \(Self.maximumLines) lines")))])
        }
        var events: [HandlingEvent] = []
        var problems = unreadable
        for line in lines {
            do {
                events.append(try await check.event(for: line.report))
            } catch let error as CargoError {
                problems.append(LineProblem(line: line.number, reason: .refused(error)))
            }
        }
        guard problems.isEmpty else { throw BatchRejected(problems: problems.sorted { $0.line < $1.line }) }
        guard !events.isEmpty else { throw BatchRejected(problems: [LineProblem(line: 0, reason: .refused(.invalid("the batch has no events")))]) }
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
}
