import Foundation
import OpenAPIRuntime
import OrderContracts
import StorefrontDomain
import TradewindKernel
import TradewindRuntime

/// The customer's orders through the order context's published client (`OrderContracts.Client`), with the
/// customer's own access token.
public struct OrderServiceClient: Orders {
    let transport: ServiceClientTransport

    public init(client: ServiceClient, timeout: Duration = .seconds(10)) {
        transport = ServiceClientTransport(client, service: OrderContract.service, timeout: timeout)
    }

    func client(_ accessToken: String) -> Client {
        Client(serverURL: ServiceClientTransport.serverURL(for: OrderContract.service), configuration: .tradewind, transport: transport,
               middlewares: [ForwardedAuthorization(bearerToken: accessToken)])
    }

    public func place(shippingTo address: ShippingAddress, key: String, accessToken: String) async throws -> ShopOrder {
        let body = Components.Schemas.PlaceOrderRequest(shippingAddress: .init(
            name: address.name, street: address.street, city: address.city, postalCode: address.postalCode, country: address.country,
            destination: address.destination
        ))
        switch try await reach(Self.unavailable, { try await client(accessToken).placeOrder(headers: .init(idempotencyKey: key), body: .json(body)) }) {
        case .created(let created): return try Self.order(created.body.json)
        case .ok(let replayed): return try Self.order(replayed.body.json)
        case .badRequest(let problem), .unprocessableContent(let problem), .preconditionRequired(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        default: throw Self.unavailable
        }
    }

    public func orders(accessToken: String, after cursor: String?) async throws -> (orders: [ShopOrder], nextCursor: String?) {
        switch try await reach(Self.unavailable, { try await client(accessToken).listMyOrders(query: .init(limit: 20, cursor: cursor)) }) {
        case .ok(let ok):
            let page = try ok.body.json
            return (try page.items.map(Self.order), page.nextCursor)
        case .badRequest(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        default: throw Self.unavailable
        }
    }

    public func order(id: String, accessToken: String) async throws -> ShopOrder? {
        switch try await reach(Self.unavailable, { try await client(accessToken).getOrder(path: .init(orderId: id)) }) {
        case .ok(let ok): return try Self.order(ok.body.json)
        case .notFound: return nil
        case .unauthorized: throw StorefrontError.signedOut
        default: throw Self.unavailable
        }
    }

    static let unavailable = StorefrontError.unavailable("the order service is not answering")

    static func refused(_ problem: Components.Responses.Problem) -> StorefrontError {
        guard case .applicationProblemJson(let body) = problem.body else { return .refused(field: nil, detail: "The order was not accepted.") }
        return .refused(field: nil, detail: body.detail ?? body.title)
    }

    static func order(_ order: Components.Schemas.Order) throws -> ShopOrder {
        func money(_ value: Components.Schemas.Money) throws -> Money {
            guard let currency = Currency(value.currency) else { throw unavailable }
            return Money(minorUnits: value.amount, currency: currency)
        }
        let address = order.shippingAddress
        return ShopOrder(
            id: order.id, status: ShopOrderStatus(rawValue: order.status.rawValue) ?? .pending,
            lines: try order.lines.map {
                ShopOrderLine(sku: $0.sku, name: $0.name, quantity: $0.quantity, unitPrice: try money($0.unitPrice), lineTotal: try money($0.lineTotal))
            },
            total: try money(order.total),
            address: ShippingAddress(name: address.name, street: address.street, city: address.city, postalCode: address.postalCode,
                                     country: address.country, destination: address.destination),
            placedAt: order.createdAt, failureReason: order.failureReason, trackingID: order.freight?.trackingId
        )
    }

}
