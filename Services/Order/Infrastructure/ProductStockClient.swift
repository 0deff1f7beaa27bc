import Foundation
import OrderApplication
import OrderDomain
import ProductContracts
import TradewindKernel
import TradewindRuntime

/// Stock reservations through the product context's published API (`ProductContracts.Client`), carried by the
/// runtime's service client with this service's token. An answer that says the request can never succeed is a
/// permanent failure; anything else that is not a success (5xx, timeouts, no instance) is transient.
public struct ProductStockClient: StockReservations {
    let product: Client
    let reservationLifetime: Int

    public init(client: ServiceClient, reservationLifetime: Int = 3600) {
        product = Client(serverURL: ServiceClientTransport.serverURL(for: ProductContract.service),
                         configuration: .tradewind, transport: ServiceClientTransport(client, service: ProductContract.service))
        self.reservationLifetime = reservationLifetime
    }

    public func reserve(_ order: OrderID, lines: [OrderLine]) async throws(StepFailure) {
        let request = Components.Schemas.ReservationRequest(
            orderId: order.description, lines: lines.map { .init(sku: $0.sku, quantity: $0.quantity) }, ttlSeconds: reservationLifetime
        )
        try await call("reserving stock") {
            switch try await product.reserveStock(body: .json(request)) {
            case .ok, .created: nil
            case .conflict(let problem), .unprocessableContent(let problem): StepFailure.permanent(problem.detail)
            case let other: StepFailure.transient("product-service answered \(ServiceClientTransport.describe(other)) when reserving stock")
            }
        }
    }

    public func release(_ order: OrderID) async throws(StepFailure) {
        try await call("releasing stock") {
            switch try await product.releaseReservation(path: .init(orderId: order.description)) {
            case .ok, .notFound: nil  // released, or nothing was ever held
            case .conflict(let problem): StepFailure.permanent(problem.detail)
            case let other: StepFailure.transient("product-service answered \(ServiceClientTransport.describe(other)) when releasing stock")
            }
        }
    }

    public func commit(_ order: OrderID) async throws(StepFailure) {
        try await call("committing stock") {
            switch try await product.commitReservation(path: .init(orderId: order.description)) {
            case .ok: nil
            case .notFound(let problem), .conflict(let problem): StepFailure.permanent(problem.detail)
            case let other: StepFailure.transient("product-service answered \(ServiceClientTransport.describe(other)) when committing stock")
            }
        }
    }

    /// Runs a call whose answer names the failure, if any; a call that could not be made at all is transient.
    private func call(_ what: String, _ send: () async throws -> StepFailure?) async throws(StepFailure) {
        let failure: StepFailure?
        do {
            failure = try await send()
        } catch {
            throw .transient("product-service, \(what): \(error)")
        }
        if let failure { throw failure }
    }
}

extension Components.Responses.Problem {
    var detail: String { ((try? body.applicationProblemJson).flatMap(\.detail)) ?? "the request was refused" }
}
