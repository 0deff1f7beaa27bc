import CargoApplication
import CargoContracts
import CargoDomain
import Foundation
import HTTPTypes
import OpenAPIRuntime
import TradewindRuntime

/// The HTTP face of the cargo service: each operation generated from `openapi.yaml` calls one use case.
public struct CargoAPI: APIProtocol {
    /// One use case per operation (the listings share one read-only query).
    public struct UseCases: Sendable {
        public var book: BookCargo
        public var findRoutes: FindCandidateRoutes
        public var assignRoute: AssignRoute
        public var changeDestination: ChangeDestination
        public var reroute: RerouteCargo
        public var registerHandling: RegisterHandlingEvent
        public var registerBatch: RegisterHandlingBatch
        public var track: TrackCargo
        public var browse: BrowseNetwork

        public init(book: BookCargo, findRoutes: FindCandidateRoutes, assignRoute: AssignRoute, changeDestination: ChangeDestination,
                    reroute: RerouteCargo, registerHandling: RegisterHandlingEvent, registerBatch: RegisterHandlingBatch, track: TrackCargo,
                    browse: BrowseNetwork) {
            self.book = book
            self.findRoutes = findRoutes
            self.assignRoute = assignRoute
            self.changeDestination = changeDestination
            self.reroute = reroute
            self.registerHandling = registerHandling
            self.registerBatch = registerBatch
            self.track = track
            self.browse = browse
        }
    }

    let useCases: UseCases

    public init(useCases: UseCases) { self.useCases = useCases }

    /// A tracking id in a path names the resource: one that cannot even be spelled is not found, like one not booked.
    static func trackingID(_ text: String) throws(CargoError) -> TrackingID {
        guard let id = TrackingID(text) else { throw .unknownCargo(String(text.prefix(20))) }
        return id
    }

    /// A location in a body: one that cannot be spelled is unknown, like one not in the network.
    static func location(_ text: String) throws(CargoError) -> UnLocode {
        guard let code = UnLocode(text) else { throw .unknownLocation(String(text.prefix(20))) }
        return code
    }

    public func listLocations(_ input: Operations.ListLocations.Input) async throws -> Operations.ListLocations.Output {
        .ok(.init(body: .json(.init(items: try await useCases.browse.allLocations().map { .init(unLocode: $0.unLocode.value, name: $0.name) }))))
    }

    public func listVoyages(_ input: Operations.ListVoyages.Input) async throws -> Operations.ListVoyages.Output {
        let voyages = try await useCases.browse.allVoyages()
        return .ok(.init(body: .json(.init(items: voyages.map { voyage in
            var stops: [String] = []
            for movement in voyage.movements where !stops.contains(movement.departureLocation.value) { stops.append(movement.departureLocation.value) }
            return .init(number: voyage.number.value, stops: stops, firstDeparture: voyage.movements[0].departureTime,
                         lastArrival: voyage.movements[voyage.movements.count - 1].arrivalTime, movements: voyage.movements.count)
        }))))
    }

    public func bookCargo(_ input: Operations.BookCargo.Input) async throws -> Operations.BookCargo.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let (cargo, created) = try await useCases.book.execute([try Self.bookingRequest(body)])[0].get()
        ResponseHeaders.set(.location, "/cargos/\(cargo.trackingID)")
        return created ? .created(.init(body: .json(.init(cargo)))) : .ok(.init(body: .json(.init(cargo))))
    }

    /// Each booking as `bookCargo` makes it, with one atomic write for all; a refusal becomes that booking's result, any
    /// other failure fails the request.
    public func bookCargos(_ input: Operations.BookCargos.Input) async throws -> Operations.BookCargos.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        guard (1...Self.maximumBatch).contains(body.bookings.count) else {
            throw CargoError.invalid("a batch must hold 1 to \(Self.maximumBatch) bookings, not \(body.bookings.count)")
        }
        var results = [Components.Schemas.BookingResult?](repeating: nil, count: body.bookings.count)
        var requests: [(index: Int, request: BookCargo.Request)] = []
        for (index, entry) in body.bookings.enumerated() {
            do {
                requests.append((index, try Self.bookingRequest(entry)))
            } catch {
                results[index] = try Self.result(for: entry.reference, .failure(error))
            }
        }
        let outcomes = try await useCases.book.execute(requests.map(\.request))
        for ((index, _), outcome) in zip(requests, outcomes) {
            results[index] = try Self.result(for: body.bookings[index].reference, outcome)
        }
        let minimal = Preferences(input.headers.prefer).returnsMinimal
        if minimal { ResponseHeaders.set(Preferences.appliedFieldName, Preferences.returnMinimal) }
        return .ok(.init(body: .json(.init(results: results.map { result in
                             var result = result!
                             if minimal { result.cargo = nil }
                             return result
                         }))))
    }

    static let maximumBatch = 100

    static func bookingRequest(_ body: Components.Schemas.BookingRequest) throws(CargoError) -> BookCargo.Request {
        let routing: BookCargo.Routing = switch body.routing {
        case .earliestArrival: .earliestArrival
        case nil: .later
        }
        return BookCargo.Request(from: try location(body.origin), to: try location(body.destination), arrivalDeadline: body.arrivalDeadline,
                                 reference: body.reference, routed: routing)
    }

    /// One booking's result: its status, tracking id and cargo, or the problem its refusal maps to. An error that is not a refusal
    /// is thrown: it fails the whole request.
    static func result<Failure: Error>(
        for reference: String?, _ outcome: Result<(cargo: Cargo, created: Bool), Failure>
    ) throws -> Components.Schemas.BookingResult {
        switch outcome {
        case .success(let (cargo, created)):
            return .init(reference: reference, status: created ? 201 : 200, trackingId: cargo.trackingID.value, routed: cargo.itinerary != nil,
                         cargo: .init(cargo))
        case .failure(let error):
            guard let problem = CargoProblems.map(error) else { throw error }
            return .init(reference: reference, status: Int(problem.status.code), problem: .init(
                _type: problem.type, title: problem.title, status: Int(problem.status.code), detail: problem.detail
            ))
        }
    }

    public func listCargos(_ input: Operations.ListCargos.Input) async throws -> Operations.ListCargos.Output {
        .ok(.init(body: .json(.init(items: try await useCases.browse.allCargos().map(Components.Schemas.Cargo.init)))))
    }

    public func getCargo(_ input: Operations.GetCargo.Input) async throws -> Operations.GetCargo.Output {
        .ok(.init(body: .json(.init(try await useCases.track.execute(try Self.trackingID(input.path.trackingId)).cargo))))
    }

    public func listCandidateRoutes(_ input: Operations.ListCandidateRoutes.Input) async throws -> Operations.ListCandidateRoutes.Output {
        .ok(.init(body: .json(.init(items: try await useCases.findRoutes.execute(for: try Self.trackingID(input.path.trackingId)).map(Components.Schemas.Itinerary.init)))))
    }

    public func assignRoute(_ input: Operations.AssignRoute.Input) async throws -> Operations.AssignRoute.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let legs = try body.legs.map { leg in
            guard let voyage = VoyageNumber(leg.voyage) else { throw CargoError.unknownVoyage(String(leg.voyage.prefix(20))) }
            guard let from = UnLocode(leg.loadLocation) else { throw CargoError.unknownLocation(String(leg.loadLocation.prefix(20))) }
            guard let to = UnLocode(leg.unloadLocation) else { throw CargoError.unknownLocation(String(leg.unloadLocation.prefix(20))) }
            return try Leg(voyage: voyage, loadLocation: from, unloadLocation: to, loadTime: leg.loadTime, unloadTime: leg.unloadTime)
        }
        return .ok(.init(body: .json(.init(try await useCases.assignRoute.execute(try Itinerary(legs: legs), to: try Self.trackingID(input.path.trackingId))))))
    }

    public func changeDestination(_ input: Operations.ChangeDestination.Input) async throws -> Operations.ChangeDestination.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        return .ok(.init(body: .json(.init(try await useCases.changeDestination.execute(of: try Self.trackingID(input.path.trackingId), to: try Self.location(body.destination))))))
    }

    public func rerouteCargo(_ input: Operations.RerouteCargo.Input) async throws -> Operations.RerouteCargo.Output {
        .ok(.init(body: .json(.init(try await useCases.reroute.execute(try Self.trackingID(input.path.trackingId))))))
    }

    public func registerHandlingEvent(_ input: Operations.RegisterHandlingEvent.Input) async throws -> Operations.RegisterHandlingEvent.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let cargo: Cargo
        do {
            cargo = try await useCases.registerHandling.execute(try HandlingReports.report(
                completionTime: body.completionTime, trackingID: body.trackingId, type: body.eventType.rawValue, location: body.location, voyage: body.voyage
            ))
        } catch CargoError.unknownCargo(let id) {
            // The tracking id is a field of the report, not the resource asked for: the report is invalid (422).
            throw Problem.validation("no cargo has the tracking id '\(id)'")
        }
        return .created(.init(body: .json(.init(try await useCases.track.execute(cargo.trackingID)))))
    }

    public func registerHandlingBatch(_ input: Operations.RegisterHandlingBatch.Input) async throws -> Operations.RegisterHandlingBatch.Output {
        guard case .csv(let body) = input.body else { throw Problem.badRequest("expected a text/csv body") }
        let text: String
        do {
            text = try await String(collecting: body, upTo: 1 << 20)
        } catch {
            throw Problem("content-too-large", title: "Request body too large", status: .contentTooLarge, detail: "a batch is at most 1 MiB")
        }
        let (lines, unreadable) = HandlingReports.batch(csv: text)
        do {
            return .created(.init(body: .json(.init(accepted: try await useCases.registerBatch.execute(lines, unreadable: unreadable)))))
        } catch let rejected as RegisterHandlingBatch.BatchRejected {
            return .unprocessableContent(.init(body: .applicationProblemJson(.init(
                _type: "urn:tradewind:problem:invalid-batch", title: "The batch is not valid", status: 422,
                detail: "\(rejected.problems.count) line(s) cannot be accepted; nothing was stored",
                instance: "/handling/events/batch", requestId: RequestInfo.current?.requestID,
                lines: rejected.problems.map { .init(line: $0.line, reason: HandlingReports.describe($0.reason)) }
            ))))
        }
    }

    public func trackCargo(_ input: Operations.TrackCargo.Input) async throws -> Operations.TrackCargo.Output {
        .ok(.init(body: .json(.init(try await useCases.track.execute(try Self.trackingID(input.path.trackingId))))))
    }
}
