import CargoApplication
import CargoContracts
import CargoDomain
import Foundation
import HTTPTypes
import OpenAPIRuntime
import TradewindRuntime

/// The HTTP face of the cargo service: each operation generated from `openapi.yaml` calls one use case.
public struct CargoAPI: APIProtocol {
    let booking: Booking
    let registerHandling: RegisterHandlingEvent
    let registerBatch: RegisterHandlingBatch
    let tracking: Tracking

    public init(booking: Booking, registerHandling: RegisterHandlingEvent, registerBatch: RegisterHandlingBatch, tracking: Tracking) {
        self.booking = booking
        self.registerHandling = registerHandling
        self.registerBatch = registerBatch
        self.tracking = tracking
    }

    public func listLocations(_ input: Operations.ListLocations.Input) async throws -> Operations.ListLocations.Output {
        .ok(.init(body: .json(.init(items: try await tracking.allLocations().map { .init(unLocode: $0.unLocode.value, name: $0.name) }))))
    }

    public func listVoyages(_ input: Operations.ListVoyages.Input) async throws -> Operations.ListVoyages.Output {
        let voyages = try await tracking.allVoyages()
        return .ok(.init(body: .json(.init(items: voyages.map { voyage in
            var stops: [String] = []
            for movement in voyage.movements where !stops.contains(movement.departureLocation.value) { stops.append(movement.departureLocation.value) }
            return .init(number: voyage.number.value, stops: stops, firstDeparture: voyage.movements[0].departureTime,
                         lastArrival: voyage.movements[voyage.movements.count - 1].arrivalTime, movements: voyage.movements.count)
        }))))
    }

    public func bookCargo(_ input: Operations.BookCargo.Input) async throws -> Operations.BookCargo.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let (cargo, created) = try await booking.book(
            origin: body.origin, destination: body.destination, arrivalDeadline: body.arrivalDeadline, reference: body.reference
        )
        ResponseHeaders.set(.location, "/cargos/\(cargo.trackingID)")
        return created ? .created(.init(body: .json(.init(cargo)))) : .ok(.init(body: .json(.init(cargo))))
    }

    public func listCargos(_ input: Operations.ListCargos.Input) async throws -> Operations.ListCargos.Output {
        .ok(.init(body: .json(.init(items: try await tracking.allCargos().map(Components.Schemas.Cargo.init)))))
    }

    public func getCargo(_ input: Operations.GetCargo.Input) async throws -> Operations.GetCargo.Output {
        .ok(.init(body: .json(.init(try await tracking.cargo(input.path.trackingId)))))
    }

    public func listCandidateRoutes(_ input: Operations.ListCandidateRoutes.Input) async throws -> Operations.ListCandidateRoutes.Output {
        .ok(.init(body: .json(.init(items: try await booking.candidateRoutes(for: input.path.trackingId).map(Components.Schemas.Itinerary.init)))))
    }

    public func assignRoute(_ input: Operations.AssignRoute.Input) async throws -> Operations.AssignRoute.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let legs = try body.legs.map { leg in
            guard let voyage = VoyageNumber(leg.voyage) else { throw CargoError.unknownVoyage(String(leg.voyage.prefix(20))) }
            guard let from = UnLocode(leg.loadLocation) else { throw CargoError.unknownLocation(String(leg.loadLocation.prefix(20))) }
            guard let to = UnLocode(leg.unloadLocation) else { throw CargoError.unknownLocation(String(leg.unloadLocation.prefix(20))) }
            return try Leg(voyage: voyage, loadLocation: from, unloadLocation: to, loadTime: leg.loadTime, unloadTime: leg.unloadTime)
        }
        return .ok(.init(body: .json(.init(try await booking.assign(try Itinerary(legs: legs), to: input.path.trackingId)))))
    }

    public func changeDestination(_ input: Operations.ChangeDestination.Input) async throws -> Operations.ChangeDestination.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        return .ok(.init(body: .json(.init(try await booking.changeDestination(of: input.path.trackingId, to: body.destination)))))
    }

    public func rerouteCargo(_ input: Operations.RerouteCargo.Input) async throws -> Operations.RerouteCargo.Output {
        .ok(.init(body: .json(.init(try await booking.rerouteFromCurrentLocation(input.path.trackingId)))))
    }

    public func registerHandlingEvent(_ input: Operations.RegisterHandlingEvent.Input) async throws -> Operations.RegisterHandlingEvent.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let cargo: Cargo
        do {
            cargo = try await registerHandling.execute(try HandlingReports.report(
                completionTime: body.completionTime, trackingID: body.trackingId, type: body.eventType.rawValue, location: body.location, voyage: body.voyage
            ))
        } catch CargoError.unknownCargo(let id) {
            // The tracking id is a field of the report, not the resource asked for: the report is invalid (422).
            throw Problem.validation("no cargo has the tracking id '\(id)'")
        }
        return .created(.init(body: .json(.init(try await tracking.track(cargo.trackingID.value)))))
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
            return .created(.init(body: .json(.init(accepted: try await registerBatch.execute(lines, unreadable: unreadable)))))
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
        .ok(.init(body: .json(.init(try await tracking.track(input.path.trackingId)))))
    }
}
