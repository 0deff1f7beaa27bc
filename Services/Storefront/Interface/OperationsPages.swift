import Foundation
import Hummingbird
import StorefrontApplication
import StorefrontDomain
import TradewindRuntime

/// The operations pages, as the DDD sample's booking and handling applications: administrators list, book and
/// route cargo (choosing one of the candidate routes, changing the destination, rerouting a misdirected cargo);
/// port staff report handling, one event or a CSV batch with its per-line problems.
enum OperationsPages {
    static let accessPolicy: [String: AccessRule] = [
        "GET /ops": .open, "GET /ops/cargos": .open, "POST /ops/cargos": .open, "GET /ops/cargos/{id}": .open,
        "POST /ops/cargos/{id}/route": .open, "POST /ops/cargos/{id}/destination": .open, "POST /ops/cargos/{id}/reroute": .open,
        "GET /ops/handling": .open, "POST /ops/handling": .open, "POST /ops/handling/batch": .open,
    ]

    struct BookingForm: PostedForm {
        var formToken: String?
        var origin: String?
        var destination: String?
        var arrivalDeadline: String?
    }

    struct RouteForm: PostedForm {
        var formToken: String?
        var route: String?
    }

    struct DestinationForm: PostedForm {
        var formToken: String?
        var destination: String?
    }

    struct HandlingForm: PostedForm {
        var formToken: String?
        var trackingId: String?
        var eventType: String?
        var location: String?
        var voyage: String?
        var completedAt: String?
    }

    /// The batch pasted into the text area, or a CSV file chosen in the file field (which wins when it has lines).
    struct BatchForm: PostedForm {
        var formToken: String?
        var csv: String?
        var file: String?

        var lines: String {
            let chosen = file.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } ?? csv ?? ""
            return chosen.replacingOccurrences(of: "\r\n", with: "\n")
        }
    }

    static func register(_ shop: Shop, on router: Router<ServiceRequestContext>) {
        router.get("/ops") { request, _ -> Either in
            let (session, away) = try await shop.signedIn(request, back: "/ops")
            if let away { return away }
            if OperateCargo.isAdministrator(session) { return .redirect(SeeOther(location: "/ops/cargos")) }
            if OperateCargo.reportsHandling(session) { return .redirect(SeeOther(location: "/ops/handling")) }
            throw StorefrontError.forbidden("The operations pages are for port staff and administrators.")
        }

        router.get("/ops/cargos") { request, _ -> Either in
            let (session, away) = try await shop.signedIn(request, back: "/ops/cargos")
            if let away { return away }
            return .page(try await cargosPage(shop, request: request, session: session, form: BookingForm(), error: nil))
        }

        router.post("/ops/cargos") { request, _ -> Either in
            let (form, loaded) = try await shop.change(BookingForm.self, request)
            let session = try await shop.account.current(loaded)
            guard let origin = form.origin, !origin.isEmpty, let destination = form.destination, !destination.isEmpty,
                  let deadline = form.arrivalDeadline.flatMap(Self.day) else {
                return .page(try await cargosPage(shop, request: request, session: session, form: form,
                                                  error: "Choose the origin, the destination and the arrival deadline.", status: .unprocessableContent))
            }
            do {
                let cargo = try await shop.operations.book(origin: origin, destination: destination, arrivalDeadline: deadline, session)
                try await shop.sessions.save(noticed(session, "Cargo \(cargo.trackingID) is booked; choose its route."), for: request)
                return .redirect(SeeOther(location: "/ops/cargos/\(cargo.trackingID)"))
            } catch StorefrontError.refused(_, let detail) {
                return .page(try await cargosPage(shop, request: request, session: session, form: form, error: detail, status: .unprocessableContent))
            }
        }

        router.get("/ops/cargos/:id") { request, context -> Either in
            let id = context.parameters.get("id") ?? ""
            let (session, away) = try await shop.signedIn(request, back: "/ops/cargos/\(id)")
            if let away { return away }
            return .page(try await cargoPage(shop, id: id, request: request, session: session, error: nil))
        }

        router.post("/ops/cargos/:id/route") { request, context -> Either in
            let id = context.parameters.get("id") ?? ""
            let (form, loaded) = try await shop.change(RouteForm.self, request)
            let session = try await shop.account.current(loaded)
            guard let route = form.route.flatMap(Self.route), !route.isEmpty else { throw FormProblem.unreadable }
            return try await changing(shop, id: id, request: request, session: session, done: "The route is assigned.") {
                _ = try await shop.operations.assign(route: route, to: id, session)
            }
        }

        router.post("/ops/cargos/:id/destination") { request, context -> Either in
            let id = context.parameters.get("id") ?? ""
            let (form, loaded) = try await shop.change(DestinationForm.self, request)
            let session = try await shop.account.current(loaded)
            guard let destination = form.destination, !destination.isEmpty else {
                return .page(try await cargoPage(shop, id: id, request: request, session: session, error: "Choose the new destination.",
                                                 status: .unprocessableContent))
            }
            return try await changing(shop, id: id, request: request, session: session, done: "The destination is changed; check the route.") {
                _ = try await shop.operations.changeDestination(of: id, to: destination, session)
            }
        }

        router.post("/ops/cargos/:id/reroute") { request, context -> Either in
            let id = context.parameters.get("id") ?? ""
            let (_, loaded) = try await shop.change(RouteForm.self, request)
            let session = try await shop.account.current(loaded)
            return try await changing(shop, id: id, request: request, session: session, done: "The cargo leaves from where it is now: choose its new route.") {
                _ = try await shop.operations.reroute(id: id, session)
            }
        }

        router.get("/ops/handling") { request, _ -> Either in
            let (session, away) = try await shop.signedIn(request, back: "/ops/handling")
            if let away { return away }
            guard OperateCargo.reportsHandling(session) else { throw StorefrontError.forbidden("Only port staff and administrators report handling.") }
            return .page(try await handlingPage(shop, request: request, session: session, form: HandlingForm(), outcome: nil))
        }

        router.post("/ops/handling") { request, _ -> Either in
            let (form, loaded) = try await shop.change(HandlingForm.self, request)
            let session = try await shop.account.current(loaded)
            var problems: [String] = []
            let type = form.eventType.flatMap(HandlingType.init(rawValue:))
            if type == nil { problems.append("Choose what happened.") }
            let trackingID = (form.trackingId ?? "").trimmingCharacters(in: .whitespaces).uppercased()
            if trackingID.count != 8 || !trackingID.allSatisfy(\.isHexDigit) { problems.append("A tracking number is 8 characters, 0-9 and A-F.") }
            let location = form.location ?? ""
            if location.isEmpty { problems.append("Choose where it happened.") }
            let voyage = form.voyage.flatMap { $0.isEmpty ? nil : $0 }
            if let type, type.needsVoyage, voyage == nil { problems.append("Loading and unloading happen on a voyage: choose it.") }
            let completedAt = form.completedAt.flatMap(Self.minute)
            if completedAt == nil { problems.append("Give the time it happened (UTC).") }
            guard problems.isEmpty, let type, let completedAt else {
                return .page(try await handlingPage(shop, request: request, session: session, form: form, outcome: .problems(problems),
                                                    status: .unprocessableContent))
            }
            let report = HandlingReport(trackingID: trackingID, type: type, location: location, voyage: type.needsVoyage ? voyage : nil, completedAt: completedAt)
            do {
                let tracking = try await shop.operations.report(report, session)
                return .page(try await handlingPage(shop, request: request, session: session, form: form, outcome: .reported(tracking), status: .created))
            } catch StorefrontError.refused(_, let detail) {
                return .page(try await handlingPage(shop, request: request, session: session, form: form, outcome: .problems([detail]),
                                                    status: .unprocessableContent))
            }
        }

        router.post("/ops/handling/batch") { request, _ -> Either in
            let (form, loaded) = try await shop.change(BatchForm.self, request)
            let session = try await shop.account.current(loaded)
            let csv = form.lines
            guard !csv.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return .page(try await handlingPage(shop, request: request, session: session, form: HandlingForm(), batch: csv,
                                                    outcome: .problems(["Choose a CSV file or paste its lines to report."]), status: .unprocessableContent))
            }
            do {
                let outcome = try await shop.operations.reportBatch(csv: csv.hasSuffix("\n") ? csv : csv + "\n", session)
                let status: HTTPResponse.Status = if case .accepted = outcome { .created } else { .unprocessableContent }
                return .page(try await handlingPage(shop, request: request, session: session, form: HandlingForm(), batch: csv, outcome: .batch(outcome),
                                                    status: status))
            } catch StorefrontError.refused(_, let detail) {
                return .page(try await handlingPage(shop, request: request, session: session, form: HandlingForm(), batch: csv,
                                                    outcome: .problems([detail]), status: .unprocessableContent))
            }
        }
    }

    static func noticed(_ session: ShopperSession, _ notice: String) -> ShopperSession {
        var session = session
        session.notice = notice
        return session
    }

    /// Runs an administrator's change of a cargo, then shows the cargo (303), or the cargo page with the problem.
    static func changing(_ shop: Shop, id: String, request: Request, session: ShopperSession, done: String,
                         _ change: () async throws -> Void) async throws -> Either {
        do {
            try await change()
            try await shop.sessions.save(noticed(session, done), for: request)
            return .redirect(SeeOther(location: "/ops/cargos/\(id)"))
        } catch StorefrontError.refused(_, let detail) {
            return .page(try await cargoPage(shop, id: id, request: request, session: session, error: detail, status: .unprocessableContent))
        }
    }

    static func cargosPage(_ shop: Shop, request: Request, session: ShopperSession, form: BookingForm, error: String?,
                           status: HTTPResponse.Status = .ok) async throws -> HTMLPage {
        async let cargos = shop.operations.cargos(session)
        let (ports, _) = try await shop.operations.choices()
        let model = CargosModel(cargos: try await cargos.map(CargoRow.init), ports: ports, form: form, formToken: session.formToken, error: error)
        return try await shop.render("ops-cargos", model, request: request, session: session, status: status)
    }

    static func cargoPage(_ shop: Shop, id: String, request: Request, session: ShopperSession, error: String?,
                          status: HTTPResponse.Status = .ok) async throws -> HTMLPage {
        guard let (cargo, candidates) = try await shop.operations.cargo(id: id, session) else {
            return try await shop.render("problem", ProblemModel(title: "Not found", detail: "No cargo has this tracking number."),
                                         request: request, session: session, status: .notFound)
        }
        let (ports, _) = try await shop.operations.choices()
        return try await shop.render("ops-cargo", CargoModel(cargo, candidates: candidates, ports: ports, formToken: session.formToken, error: error),
                                     request: request, session: session, status: status)
    }

    enum HandlingOutcome {
        case reported(Tracking)
        case batch(BatchOutcome)
        case problems([String])
    }

    static func handlingPage(_ shop: Shop, request: Request, session: ShopperSession, form: HandlingForm, batch: String = "",
                             outcome: HandlingOutcome?, status: HTTPResponse.Status = .ok) async throws -> HTMLPage {
        guard OperateCargo.reportsHandling(session) else { throw StorefrontError.forbidden("Only port staff and administrators report handling.") }
        let (ports, voyages) = try await shop.operations.choices()
        let model = HandlingModel(form: form, ports: ports, voyages: voyages, batch: batch, outcome: outcome, formToken: session.formToken)
        return try await shop.render("ops-handling", model, request: request, session: session, status: status)
    }

    /// `2026-12-24`: the end of that day, UTC.
    static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text.trimmingCharacters(in: .whitespaces))?.addingTimeInterval(86_399)
    }

    /// `2026-12-01T14:30` as a `datetime-local` field sends it, read as UTC.
    static func minute(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text.trimmingCharacters(in: .whitespaces)) { return date }
        }
        return nil
    }

    static func minuteField(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return formatter.string(from: date)
    }

    /// A candidate route as a form carries it back: `voyage|from|to|departs|arrives` per leg, legs separated by `;`,
    /// times in ISO 8601. The cargo context checks the route again when it is assigned.
    static func encode(_ route: [Tracking.Leg]) -> String {
        route.map { "\($0.voyage)|\($0.from)|\($0.to)|\($0.departs.formatted(.iso8601))|\($0.arrives.formatted(.iso8601))" }.joined(separator: ";")
    }

    static func route(_ text: String) -> [Tracking.Leg]? {
        guard text.utf8.count <= 4096 else { return nil }
        var legs: [Tracking.Leg] = []
        for part in text.split(separator: ";") {
            let fields = part.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, let departs = try? Date(fields[3], strategy: .iso8601), let arrives = try? Date(fields[4], strategy: .iso8601) else {
                return nil
            }
            legs.append(Tracking.Leg(voyage: fields[0], from: fields[1], to: fields[2], departs: departs, arrives: arrives))
        }
        return legs
    }
}

struct PortChoice {
    let code: String
    let name: String
    let chosen: Bool

    static func list(_ ports: [DestinationPort], chosen: String?) -> [PortChoice] {
        ports.map { PortChoice(code: $0.code, name: $0.name, chosen: $0.code == chosen) }
    }
}

struct CargoRow {
    let trackingID: String
    let origin: String
    let destination: String
    let routing: String
    let transport: String
    let misdirected: Bool

    init(_ cargo: OperatedCargo) {
        trackingID = cargo.trackingID
        origin = cargo.origin
        destination = cargo.destination
        routing = cargo.routingStatus.replacingOccurrences(of: "_", with: " ").lowercased()
        transport = cargo.transportStatus.replacingOccurrences(of: "_", with: " ").lowercased()
        misdirected = cargo.misdirected
    }
}

struct CargosModel {
    let cargos: [CargoRow]
    let empty: Bool
    let origins: [PortChoice]
    let destinations: [PortChoice]
    let arrivalDeadline: String
    let formToken: String
    let error: String?

    init(cargos: [CargoRow], ports: [DestinationPort], form: OperationsPages.BookingForm, formToken: String, error: String?) {
        self.cargos = cargos
        empty = cargos.isEmpty
        origins = PortChoice.list(ports, chosen: form.origin)
        destinations = PortChoice.list(ports, chosen: form.destination)
        arrivalDeadline = form.arrivalDeadline ?? ""
        self.formToken = formToken
        self.error = error
    }
}

struct LegRow {
    let voyage: String
    let from: String
    let to: String
    let departs: String
    let arrives: String

    init(_ leg: Tracking.Leg) {
        voyage = leg.voyage
        from = leg.from
        to = leg.to
        departs = OrderPages.date(leg.departs)
        arrives = OrderPages.date(leg.arrives)
    }
}

struct CargoModel {
    struct Candidate {
        let number: Int
        let legs: [LegRow]
        let encoded: String
    }

    let trackingID: String
    let origin: String
    let destination: String
    let deadline: String
    let routing: String
    let transport: String
    let misdirected: Bool
    let lastKnownLocation: String?
    let eta: String?
    let route: [LegRow]
    let routed: Bool
    let canBeRerouted: Bool
    let candidates: [Candidate]
    let offersRoutes: Bool
    let noCandidates: Bool
    let ports: [PortChoice]
    let formToken: String
    let error: String?

    init(_ cargo: OperatedCargo, candidates: [[Tracking.Leg]], ports: [DestinationPort], formToken: String, error: String?) {
        trackingID = cargo.trackingID
        origin = cargo.routeOrigin == cargo.origin ? cargo.origin : "\(cargo.origin), now from \(cargo.routeOrigin)"
        destination = cargo.destination
        deadline = OrderPages.date(cargo.arrivalDeadline)
        routing = cargo.routingStatus.replacingOccurrences(of: "_", with: " ").lowercased()
        transport = cargo.transportStatus.replacingOccurrences(of: "_", with: " ").lowercased()
        misdirected = cargo.misdirected
        lastKnownLocation = cargo.lastKnownLocation
        eta = cargo.estimatedArrival.map(OrderPages.date)
        route = cargo.route.map(LegRow.init)
        routed = !cargo.route.isEmpty
        canBeRerouted = cargo.canBeRerouted
        self.candidates = candidates.enumerated().map { Candidate(number: $0.offset + 1, legs: $0.element.map(LegRow.init), encoded: OperationsPages.encode($0.element)) }
        offersRoutes = cargo.needsRoute
        noCandidates = cargo.needsRoute && candidates.isEmpty
        self.ports = PortChoice.list(ports, chosen: cargo.destination)
        self.formToken = formToken
        self.error = error
    }
}

struct HandlingModel {
    struct Choice {
        let value: String
        let label: String
        let chosen: Bool
    }

    struct LineProblem {
        let line: Int
        let reason: String
    }

    let formToken: String
    let trackingID: String
    let types: [Choice]
    let locations: [PortChoice]
    let voyages: [Choice]
    let completedAt: String
    let batch: String
    let problems: [String]
    let hasProblems: Bool
    let reported: TrackingModel?
    let accepted: Int?
    let lineProblems: [LineProblem]
    let batchDetail: String?
    let hasLineProblems: Bool

    init(form: OperationsPages.HandlingForm, ports: [DestinationPort], voyages: [String], batch: String, outcome: OperationsPages.HandlingOutcome?,
         formToken: String) {
        self.formToken = formToken
        trackingID = form.trackingId ?? ""
        types = HandlingType.allCases.map { Choice(value: $0.rawValue, label: $0.rawValue.capitalized, chosen: $0.rawValue == form.eventType) }
        locations = PortChoice.list(ports, chosen: form.location)
        self.voyages = voyages.map { Choice(value: $0, label: $0, chosen: $0 == form.voyage) }
        completedAt = form.completedAt ?? OperationsPages.minuteField(Date())
        self.batch = batch
        var problems: [String] = [], reported: TrackingModel?, accepted: Int?, lineProblems: [LineProblem] = [], batchDetail: String?
        switch outcome {
        case .problems(let list)?: problems = list
        case .reported(let tracking)?: reported = TrackingModel(tracking, portNames: Dictionary(ports.map { ($0.code, $0.name) }) { first, _ in first })
        case .batch(.accepted(let count))?: accepted = count
        case .batch(.refused(let detail, let lines))?:
            batchDetail = detail
            lineProblems = lines.map { LineProblem(line: $0.line, reason: $0.reason) }
        case nil: break
        }
        self.problems = problems
        hasProblems = !problems.isEmpty
        self.reported = reported
        self.accepted = accepted
        self.lineProblems = lineProblems
        self.batchDetail = batchDetail
        hasLineProblems = !lineProblems.isEmpty
    }
}
