import CargoContracts
import Foundation
import OpenAPIRuntime
import StorefrontDomain
import TradewindRuntime

/// Booking, routing and handling through the cargo context's published client (`CargoContracts.Client`), with
/// the signed-in administrator's or port worker's own access token.
public struct CargoOperationsClient: CargoOperations {
    let transport: ServiceClientTransport

    public init(client: ServiceClient, timeout: Duration = .seconds(10)) {
        transport = ServiceClientTransport(client, service: CargoContract.service, timeout: timeout)
    }

    func client(_ accessToken: String?) -> Client {
        Client(serverURL: ServiceClientTransport.serverURL(for: CargoContract.service), configuration: .tradewind, transport: transport,
               middlewares: accessToken.map { [ForwardedAuthorization(bearerToken: $0)] } ?? [])
    }

    public func cargos(accessToken: String) async throws -> [OperatedCargo] {
        switch try await reach(Self.unavailable, { try await client(accessToken).listCargos() }) {
        case .ok(let ok): return try ok.body.json.items.map(Self.cargo)
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func cargo(id: String, accessToken: String) async throws -> OperatedCargo? {
        switch try await reach(Self.unavailable, { try await client(accessToken).getCargo(path: .init(trackingId: id)) }) {
        case .ok(let ok): return Self.cargo(try ok.body.json)
        case .notFound: return nil
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func book(origin: String, destination: String, arrivalDeadline: Date, accessToken: String) async throws -> OperatedCargo {
        let request = Components.Schemas.BookingRequest(origin: origin, destination: destination, arrivalDeadline: arrivalDeadline)
        switch try await reach(Self.unavailable, { try await client(accessToken).bookCargo(body: .json(request)) }) {
        case .created(let created): return Self.cargo(try created.body.json)
        case .badRequest(let problem), .unprocessableContent(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func candidateRoutes(id: String, accessToken: String) async throws -> [[Tracking.Leg]] {
        switch try await reach(Self.unavailable, { try await client(accessToken).listCandidateRoutes(path: .init(trackingId: id)) }) {
        case .ok(let ok): return try ok.body.json.items.map { $0.legs.map(Self.leg) }
        case .notFound: return []
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func assign(route: [Tracking.Leg], to id: String, accessToken: String) async throws -> OperatedCargo {
        let itinerary = Components.Schemas.Itinerary(legs: route.map {
            .init(voyage: $0.voyage, loadLocation: $0.from, unloadLocation: $0.to, loadTime: $0.departs, unloadTime: $0.arrives)
        })
        switch try await reach(Self.unavailable, { try await client(accessToken).assignRoute(path: .init(trackingId: id), body: .json(itinerary)) }) {
        case .ok(let ok): return Self.cargo(try ok.body.json)
        case .badRequest(let problem), .unprocessableContent(let problem), .notFound(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func changeDestination(of id: String, to destination: String, accessToken: String) async throws -> OperatedCargo {
        let answer = try await reach(Self.unavailable) {
            try await client(accessToken).changeDestination(path: .init(trackingId: id), body: .json(.init(destination: destination)))
        }
        switch answer {
        case .ok(let ok): return Self.cargo(try ok.body.json)
        case .badRequest(let problem), .unprocessableContent(let problem), .notFound(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func reroute(id: String, accessToken: String) async throws -> OperatedCargo {
        switch try await reach(Self.unavailable, { try await client(accessToken).rerouteCargo(path: .init(trackingId: id)) }) {
        case .ok(let ok): return Self.cargo(try ok.body.json)
        case .conflict(let problem), .notFound(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func report(_ event: HandlingReport, accessToken: String) async throws -> Tracking {
        let report = Components.Schemas.HandlingReport(
            completionTime: event.completedAt, trackingId: event.trackingID, eventType: .init(rawValue: event.type.rawValue) ?? .customs,
            location: event.location, voyage: event.voyage
        )
        switch try await reach(Self.unavailable, { try await client(accessToken).registerHandlingEvent(body: .json(report)) }) {
        case .created(let created): return CargoTrackingClient.tracking(try created.body.json)
        case .badRequest(let problem), .unprocessableContent(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func reportBatch(csv: String, accessToken: String) async throws -> BatchOutcome {
        switch try await reach(Self.unavailable, { try await client(accessToken).registerHandlingBatch(body: .csv(HTTPBody(csv))) }) {
        case .created(let created): return .accepted(try created.body.json.accepted)
        case .unprocessableContent(let refused):
            let problem = try refused.body.applicationProblemJson
            return .refused(detail: problem.detail ?? problem.title, lines: problem.lines.map { ($0.line, $0.reason) })
        case .badRequest(let problem), .conflict(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func voyages() async throws -> [String] {
        guard case .ok(let ok) = try await reach(Self.unavailable, { try await client(nil).listVoyages() }) else { throw Self.unavailable }
        return try ok.body.json.items.map(\.number)
    }

    static let unavailable = StorefrontError.unavailable("the cargo service is not answering")
    static let forbidden = StorefrontError.forbidden("The cargo service does not let this account do that.")

    static func refused(_ problem: Components.Responses.Problem) -> StorefrontError {
        guard case .applicationProblemJson(let body) = problem.body else { return .refused(field: nil, detail: "The cargo service refused this.") }
        return .refused(field: nil, detail: body.detail ?? body.title)
    }

    static func leg(_ leg: Components.Schemas.Leg) -> Tracking.Leg {
        Tracking.Leg(voyage: leg.voyage, from: leg.loadLocation, to: leg.unloadLocation, departs: leg.loadTime, arrives: leg.unloadTime)
    }

    static func cargo(_ cargo: Components.Schemas.Cargo) -> OperatedCargo {
        OperatedCargo(
            trackingID: cargo.trackingId, origin: cargo.origin, routeOrigin: cargo.routeSpecification.origin, destination: cargo.routeSpecification.destination,
            arrivalDeadline: cargo.routeSpecification.arrivalDeadline, routingStatus: cargo.delivery.routingStatus.rawValue,
            transportStatus: cargo.delivery.transportStatus.rawValue, misdirected: cargo.delivery.misdirected,
            lastKnownLocation: cargo.delivery.lastKnownLocation, estimatedArrival: cargo.delivery.estimatedTimeOfArrival,
            route: cargo.itinerary?.legs.map(leg) ?? []
        )
    }

}
