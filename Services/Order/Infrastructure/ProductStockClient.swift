import Foundation
import OrderApplication
import OrderDomain
import ProductContracts
import TradewindKernel
import TradewindRuntime

/// Stock reservations through the product context's published API (`ProductContracts.Client`), carried by the
/// runtime's service client with this service's token. An answer that says the request can never succeed is a
/// permanent failure; anything else that is not a success (5xx, timeouts, no instance) is transient.
///
/// Reserving and committing go out in batches (`CallBatcher`): the checkout advances many orders at once, and
/// those that reach the same step while a request for it is in flight share the next one. A product service
/// without the batch operations (an older version during a rolling upgrade) is asked once per order instead.
public struct ProductStockClient: StockReservations {
    let product: Client
    let reservationLifetime: Int
    private let reservations: CallBatcher<ReservationRequest, StepFailure?>
    private let commits: CallBatcher<OrderID, StepFailure?>

    typealias ReservationRequest = Components.Schemas.ReservationRequest

    public init(client: ServiceClient, reservationLifetime: Int = 3600, maximumBatch: Int = 100) {
        let product = Client(serverURL: ServiceClientTransport.serverURL(for: ProductContract.service),
                             configuration: .tradewind, transport: ServiceClientTransport(client, service: ProductContract.service),
                             middlewares: [PreferMinimalReturn(on: [Operations.ReserveStockForOrders.id, Operations.CommitReservationsOfOrders.id])])
        self.product = product
        self.reservationLifetime = reservationLifetime
        reservations = CallBatcher(maximumBatch: maximumBatch, operation: "reserve stock (batch)") { requests in
            await Self.batch(requests.map(\.orderId), "reserving stock", refusals: [409, 422]) {
                switch try await product.reserveStockForOrders(body: .json(.init(reservations: requests))) {
                case .ok(let ok): .results(try ok.body.json.results)
                case .default(let status, _) where [404, 405].contains(status): .unsupported
                case let other: .failed("product-service answered \(ServiceClientTransport.describe(other)) when reserving stock")
                }
            } one: { index in
                await Self.reserveOne(requests[index], product: product)
            }
        }
        commits = CallBatcher(maximumBatch: maximumBatch, operation: "commit stock (batch)") { orders in
            let ids = orders.map(\.description)
            return await Self.batch(ids, "committing stock", refusals: [404, 409]) {
                switch try await product.commitReservationsOfOrders(body: .json(.init(orderIds: ids))) {
                case .ok(let ok): .results(try ok.body.json.results)
                case .default(let status, _) where [404, 405].contains(status): .unsupported
                case let other: .failed("product-service answered \(ServiceClientTransport.describe(other)) when committing stock")
                }
            } one: { index in
                await Self.commitOne(orders[index], product: product)
            }
        }
    }

    public func reserve(_ order: OrderID, lines: [OrderLine]) async throws(StepFailure) {
        let request = ReservationRequest(
            orderId: order.description, lines: lines.map { .init(sku: $0.sku, quantity: $0.quantity) }, ttlSeconds: reservationLifetime
        )
        if let failure = await reservations.call(request) { throw failure }
    }

    public func commit(_ order: OrderID) async throws(StepFailure) {
        if let failure = await commits.call(order) { throw failure }
    }

    private enum BatchAnswer {
        case results([Components.Schemas.ReservationResult])
        case unsupported
        case failed(String)
    }

    /// One outcome per order of a batch: its own result when the batch was answered (2xx a success, a refusal
    /// status permanent, anything else transient), every order transient when the request failed, and one request
    /// per order when the product service does not know the batch operation.
    private static func batch(
        _ orders: [String], _ what: String, refusals: Set<Int>, send: () async throws -> BatchAnswer,
        one: (Int) async -> StepFailure?
    ) async -> [StepFailure?] {
        let answer: BatchAnswer
        do {
            answer = try await send()
        } catch {
            // An unknown route may be answered without a problem document.
            let unknownRoute = [404, 405].contains(ServiceClientTransport.unreadAnswerStatus(of: error))
            answer = unknownRoute ? .unsupported : .failed("product-service, \(what): \(error)")
        }
        switch answer {
        case .results(let results):
            return orders.enumerated().map { index, order in
                guard index < results.count, results[index].orderId == order else {
                    return .transient("product-service left order \(order) out of its answer when \(what)")
                }
                let result = results[index]
                if (200..<300).contains(result.status) { return nil }
                let detail = result.problem?.detail ?? "the request was refused"
                return refusals.contains(result.status) ? .permanent(detail) : .transient("product-service answered HTTP \(result.status) when \(what): \(detail)")
            }
        case .failed(let reason):
            return orders.map { _ in .transient(reason) }
        case .unsupported:
            var outcomes: [StepFailure?] = []
            for index in orders.indices { outcomes.append(await one(index)) }
            return outcomes
        }
    }

    private static func reserveOne(_ request: ReservationRequest, product: Client) async -> StepFailure? {
        await outcome("reserving stock") {
            switch try await product.reserveStock(body: .json(request)) {
            case .ok, .created: nil
            case .conflict(let problem), .unprocessableContent(let problem): StepFailure.permanent(problem.detail)
            case let other: StepFailure.transient("product-service answered \(ServiceClientTransport.describe(other)) when reserving stock")
            }
        }
    }

    private static func commitOne(_ order: OrderID, product: Client) async -> StepFailure? {
        await outcome("committing stock") {
            switch try await product.commitReservation(path: .init(orderId: order.description)) {
            case .ok: nil
            case .notFound(let problem), .conflict(let problem): StepFailure.permanent(problem.detail)
            case let other: StepFailure.transient("product-service answered \(ServiceClientTransport.describe(other)) when committing stock")
            }
        }
    }

    /// The failure a call's answer names, if any; a call that could not be made at all is transient.
    private static func outcome(_ what: String, _ send: () async throws -> StepFailure?) async -> StepFailure? {
        do {
            return try await send()
        } catch {
            return .transient("product-service, \(what): \(error)")
        }
    }

    /// A release the product service refuses is looked into: a reservation that was committed means the goods have
    /// left, which the checkout must know; any other refusal is permanent.
    public func release(_ order: OrderID) async throws(StepFailure) -> StockRelease {
        let refusal: String
        do {
            switch try await product.releaseReservation(path: .init(orderId: order.description)) {
            case .ok, .notFound: return .released  // released, or nothing was ever held
            case .conflict(let problem): refusal = problem.detail
            case let other: throw StepFailure.transient("product-service answered \(ServiceClientTransport.describe(other)) when releasing stock")
            }
            switch try await product.getReservation(path: .init(orderId: order.description)) {
            case .ok(let answer):
                if try answer.body.json.status == .committed { return .alreadyCommitted }
                throw StepFailure.permanent(refusal)
            case let other:
                throw StepFailure.transient("product-service answered \(ServiceClientTransport.describe(other)) when reading a reservation it would not release")
            }
        } catch let failure as StepFailure {
            throw failure
        } catch {
            throw .transient("product-service, releasing stock: \(error)")
        }
    }
}

extension Components.Responses.Problem {
    var detail: String { ((try? body.applicationProblemJson).flatMap(\.detail)) ?? "the request was refused" }
}
