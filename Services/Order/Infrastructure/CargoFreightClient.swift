import CargoContracts
import Foundation
import OrderApplication
import OrderDomain
import TradewindKernel
import TradewindRuntime

/// Freight through the cargo context's published API (`CargoContracts.Client`, generated from its `openapi.yaml`),
/// carried by the runtime's service client with this service's token. A booking is idempotent per order (the order
/// id is the cargo's reference), so a step repeated after a crash finds the cargo it booked.
///
/// Bookings go out in batches (`CallBatcher`), like the stock client's reservations: orders that reach the freight
/// step while a booking request is in flight share the next one. A cargo service without the batch operation (an
/// older version during a rolling upgrade) is asked once per order instead.
public struct CargoFreightClient: FreightBooking {
    let cargo: Client
    private let bookings: CallBatcher<BookingRequest, Result<Booked, StepFailure>>

    typealias BookingRequest = Components.Schemas.BookingRequest

    public init(client: ServiceClient, maximumBatch: Int = 100) {
        let cargo = Client(serverURL: ServiceClientTransport.serverURL(for: CargoContract.service),
                           configuration: .tradewind, transport: ServiceClientTransport(client, service: CargoContract.service),
                           middlewares: [PreferMinimalReturn(on: [Operations.BookCargos.id])])
        self.cargo = cargo
        bookings = CallBatcher(maximumBatch: maximumBatch, operation: "book freight (batch)") { requests in await Self.book(requests, cargo: cargo) }
    }

    public func book(_ order: OrderID, from origin: String, to destination: String, arrivalDeadline: Date) async throws(StepFailure) -> String {
        // Booked and routed in one call; the fallback below routes a cargo booked unrouted before (by an earlier
        // version of this service, interrupted between its booking and routing calls).
        let request = BookingRequest(origin: origin, destination: destination, arrivalDeadline: arrivalDeadline,
                                     reference: order.description, routing: .earliestArrival)
        let booked = try await bookings.call(request).get()
        if booked.routed { return booked.trackingId }
        do {
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

    /// What the checkout needs of a booked cargo.
    struct Booked: Sendable {
        let trackingId: String
        let routed: Bool

        init(trackingId: String, routed: Bool) {
            self.trackingId = trackingId
            self.routed = routed
        }

        init(_ cargo: Components.Schemas.Cargo) { self.init(trackingId: cargo.trackingId, routed: cargo.itinerary != nil) }

        /// A booked result, minimal (tracking id and routing only) or, from a cargo service that answers every
        /// result with its cargo, full.
        init?(_ result: Components.Schemas.BookingResult) {
            if let trackingId = result.trackingId ?? result.cargo?.trackingId {
                self.init(trackingId: trackingId, routed: result.routed ?? (result.cargo?.itinerary != nil))
            } else {
                return nil
            }
        }
    }

    /// One outcome per booking: its own result when the batch was answered (2xx booked, 422 permanent, anything
    /// else transient), every booking transient when the request failed, and one request per booking when the cargo
    /// service does not know the batch operation.
    private static func book(_ requests: [BookingRequest], cargo: Client) async -> [Result<Booked, StepFailure>] {
        let results: [Components.Schemas.BookingResult]
        do {
            switch try await cargo.bookCargos(body: .json(.init(bookings: requests))) {
            case .ok(let ok): results = try ok.body.json.results
            case .default(let status, _) where [404, 405].contains(status): return await bookOneByOne(requests, cargo: cargo)
            case let other:
                let reason = "cargo-service answered \(ServiceClientTransport.describe(other)) to the bookings"
                return requests.map { _ in .failure(.transient(reason)) }
            }
        } catch {
            // An unknown route may be answered without a problem document.
            if [404, 405].contains(ServiceClientTransport.unreadAnswerStatus(of: error)) { return await bookOneByOne(requests, cargo: cargo) }
            return requests.map { _ in .failure(.transient("cargo-service, booking freight: \(error)")) }
        }
        return requests.enumerated().map { index, request in
            guard index < results.count, results[index].reference == request.reference else {
                return .failure(.transient("cargo-service left the booking of \(request.reference ?? "?") out of its answer"))
            }
            let result = results[index]
            if (200..<300).contains(result.status), let booked = Booked(result) { return .success(booked) }
            let detail = result.problem?.detail ?? "the booking was refused"
            return .failure(result.status == 422 ? .permanent(detail) : .transient("cargo-service answered HTTP \(result.status) to the booking: \(detail)"))
        }
    }

    private static func bookOneByOne(_ requests: [BookingRequest], cargo: Client) async -> [Result<Booked, StepFailure>] {
        var outcomes: [Result<Booked, StepFailure>] = []
        for request in requests {
            do {
                switch try await cargo.bookCargo(body: .json(request)) {
                case .created(let answer): outcomes.append(.success(Booked(try answer.body.json)))
                case .ok(let answer): outcomes.append(.success(Booked(try answer.body.json)))
                case .unprocessableContent(let problem): outcomes.append(.failure(.permanent(problem.detail)))
                case let other: outcomes.append(.failure(.transient("cargo-service answered \(ServiceClientTransport.describe(other)) to the booking")))
                }
            } catch {
                outcomes.append(.failure(.transient("cargo-service: \(error)")))
            }
        }
        return outcomes
    }
}

extension Components.Responses.Problem {
    var detail: String { ((try? body.applicationProblemJson).flatMap(\.detail)) ?? "the request was refused" }
}
