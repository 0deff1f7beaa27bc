import CargoContracts
import Foundation
import OrderApplication
import OrderDomain
import TradewindKernel
import TradewindRuntime

/// Freight through the cargo context's published API (`CargoContracts.Client`, generated from its `openapi.yaml`),
/// carried by the runtime's service client with this service's token. A booking is idempotent per order (the order
/// id is the cargo's reference), so a step repeated after a crash finds the cargo it booked.
public struct CargoFreightClient: FreightBooking {
    let cargo: Client

    public init(client: ServiceClient) {
        cargo = Client(serverURL: ServiceClientTransport.serverURL(for: CargoContract.service),
                       configuration: .tradewind, transport: ServiceClientTransport(client, service: CargoContract.service))
    }

    public func book(_ order: OrderID, from origin: String, to destination: String, arrivalDeadline: Date) async throws(StepFailure) -> String {
        let booked: Components.Schemas.Cargo
        do {
            // Booked and routed in one call; the fallback below routes a cargo booked unrouted before (by an
            // earlier version of this service, interrupted between its booking and routing calls).
            let request = Components.Schemas.BookingRequest(origin: origin, destination: destination, arrivalDeadline: arrivalDeadline,
                                                            reference: order.description, routing: .earliestArrival)
            switch try await cargo.bookCargo(body: .json(request)) {
            case .created(let answer): booked = try answer.body.json
            case .ok(let answer): booked = try answer.body.json
            case .unprocessableContent(let problem): throw StepFailure.permanent(problem.detail)
            case let other: throw StepFailure.transient("cargo-service answered \(ServiceClientTransport.describe(other)) to the booking")
            }
            if booked.itinerary != nil { return booked.trackingId }
            let routes: Components.Schemas.ItineraryList
            switch try await cargo.listCandidateRoutes(path: .init(trackingId: booked.trackingId)) {
            case .ok(let answer): routes = try answer.body.json
            case let other: throw StepFailure.transient("cargo-service answered \(ServiceClientTransport.describe(other)) for routes")
            }
            guard let first = routes.items.first else { throw StepFailure.permanent("no freight route reaches \(destination) in time") }
            switch try await cargo.assignRoute(path: .init(trackingId: booked.trackingId), body: .json(first)) {
            case .ok: return booked.trackingId
            case let other: throw StepFailure.transient("cargo-service answered \(ServiceClientTransport.describe(other)) when routing")
            }
        } catch let failure as StepFailure {
            throw failure
        } catch {
            throw .transient("cargo-service: \(error)")
        }
    }
}

extension Components.Responses.Problem {
    var detail: String { ((try? body.applicationProblemJson).flatMap(\.detail)) ?? "the request was refused" }
}
