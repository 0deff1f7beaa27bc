import Foundation
import HTTPTypes
import OpenAPIRuntime
import OrderApplication
import OrderContracts
import OrderDomain
import TradewindKernel
import TradewindRuntime

/// The HTTP face of the order service: each operation generated from `openapi.yaml` calls one use case.
public struct OrderAPI: APIProtocol {
    let place: PlaceOrder
    let view: ViewOrders
    let cancel: CancelOrder

    public init(place: PlaceOrder, view: ViewOrders, cancel: CancelOrder) {
        self.place = place
        self.view = view
        self.cancel = cancel
    }

    public func placeOrder(_ input: Operations.PlaceOrder.Input) async throws -> Operations.PlaceOrder.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        guard let key = input.headers.idempotencyKey else {
            throw Problem("precondition-required", title: "Precondition required", status: .preconditionRequired,
                          detail: "send an Idempotency-Key header, so that a retried request cannot place a second order")
        }
        let principal = try Self.principal()
        let shipping = body.shippingAddress
        let address = try ShippingAddress(name: shipping.name, street: shipping.street, city: shipping.city, postalCode: shipping.postalCode,
                                          country: shipping.country, destination: shipping.destination)
        let (order, created) = try await place.execute(customer: principal.subject, customerToken: principal.token, idempotencyKey: key,
                                                       address: address, request: try Self.canonical(address))
        ResponseHeaders.set(.location, "/orders/\(order.id)")
        return created ? .created(.init(body: .json(.init(order)))) : .ok(.init(body: .json(.init(order))))
    }

    public func listMyOrders(_ input: Operations.ListMyOrders.Input) async throws -> Operations.ListMyOrders.Output {
        let limit = input.query.limit ?? 20
        guard (1...PageRequest.maximumLimit).contains(limit) else { throw Problem.validation("limit must be between 1 and \(PageRequest.maximumLimit)") }
        let page = try await view.orders(of: try Self.principal().subject, page: PageRequest(limit: limit, cursor: input.query.cursor))
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Order.init), nextCursor: page.nextCursor))))
    }

    public func listAllOrders(_ input: Operations.ListAllOrders.Input) async throws -> Operations.ListAllOrders.Output {
        let limit = input.query.limit ?? 20
        guard (1...PageRequest.maximumLimit).contains(limit) else { throw Problem.validation("limit must be between 1 and \(PageRequest.maximumLimit)") }
        let status = try input.query.status.map { requested in
            guard let status = OrderStatus(rawValue: requested.rawValue) else { throw Problem.validation("status \(requested.rawValue) is not an order status") }
            return status
        }
        let page = try await view.allOrders(in: status, page: PageRequest(limit: limit, cursor: input.query.cursor))
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Order.init), nextCursor: page.nextCursor))))
    }

    public func getOrder(_ input: Operations.GetOrder.Input) async throws -> Operations.GetOrder.Output {
        let caller = try Self.principal().caller
        guard let id = OrderID(input.path.orderId) else { throw OrderError.orderNotFound }
        return .ok(.init(body: .json(.init(try await view.order(id, for: caller)))))
    }

    public func cancelOrder(_ input: Operations.CancelOrder.Input) async throws -> Operations.CancelOrder.Output {
        guard let id = OrderID(input.path.orderId) else { throw OrderError.orderNotFound }
        return .ok(.init(body: .json(.init(try await cancel.execute(id, by: try Self.principal().caller)))))
    }

    static func principal() throws -> Principal {
        guard let principal = Principal.current else { throw Problem.unauthorized("this operation needs a bearer access token") }
        return principal
    }

    /// The request as compared when an idempotency key comes back.
    static func canonical(_ address: ShippingAddress) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(address), as: UTF8.self)
    }
}

extension Components.Schemas.Money {
    init(_ money: Money) { self.init(amount: money.minorUnits, currency: money.currency.code) }
}

extension Components.Schemas.Order {
    init(_ order: Order) {
        let address = order.address
        self.init(
            id: order.id.description, status: .init(rawValue: order.status.rawValue) ?? .pending,
            lines: order.lines.map { line in
                .init(sku: line.sku, name: line.name, unitPrice: .init(line.unitPrice), quantity: line.quantity,
                      lineTotal: .init((try? line.total()) ?? line.unitPrice))
            },
            total: .init(order.total),
            shippingAddress: .init(name: address.name, street: address.street, city: address.city, postalCode: address.postalCode,
                                   country: address.country, destination: address.destination),
            failureReason: order.failureReason,
            freight: order.trackingID.map { tracking in
                .init(trackingId: tracking, transport: (order.freight?.transport ?? .notReceived).rawValue, lastLocation: order.freight?.lastLocation,
                      misdirected: order.freight?.misdirected ?? false)
            },
            createdAt: order.createdAt, updatedAt: order.updatedAt
        )
    }
}
