import Foundation
import NIOCore
import HTTPTypes
import NIOHTTP1
import OrderApplication
import OrderDomain
import TradewindKernel
import TradewindRuntime

/// The anti-corruption layer towards the product, cargo and cart services: their HTTP APIs, through the runtime's
/// service client (discovery, breakers, deadline; the service token for product and cargo), translated into the
/// order context's ports. An answer that says the request can never succeed is a permanent failure; anything
/// else that is not a success (5xx, timeouts, no instance) is transient and will be tried again.
enum ContextCall {
    static func json(_ object: Any) throws -> ByteBuffer { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)) }

    static func object(_ response: ServiceResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]) ?? [:]
    }

    static func detail(_ response: ServiceResponse) -> String {
        object(response)["detail"] as? String ?? "HTTP \(response.status)"
    }

    static func send(_ client: ServiceClient, _ service: String, _ method: HTTPRequest.Method, _ path: String, body: Any? = nil,
                     authorization: String? = nil) async throws(StepFailure) -> ServiceResponse {
        var headers = HTTPHeaders([("accept", "application/json")])
        if body != nil { headers.add(name: "content-type", value: "application/json") }
        if let authorization { headers.add(name: "authorization", value: authorization) }
        do {
            return try await client.execute(service: service, method: method, path: path, headers: headers, body: try body.map(json))
        } catch {
            throw .transient("\(service): \(error)")
        }
    }
}

public struct ProductStockClient: StockReservations {
    let client: ServiceClient
    let reservationLifetime: Int

    public init(client: ServiceClient, reservationLifetime: Int = 3600) {
        self.client = client
        self.reservationLifetime = reservationLifetime
    }

    public func reserve(_ order: OrderID, lines: [OrderLine]) async throws(StepFailure) {
        let response = try await ContextCall.send(client, "product-service", .post, "/reservations", body: [
            "orderId": order.description, "ttlSeconds": reservationLifetime,
            "lines": lines.map { ["sku": $0.sku, "quantity": $0.quantity] },
        ])
        switch response.status {
        case 200, 201: return
        case 409, 422: throw .permanent(ContextCall.detail(response))
        default: throw .transient("product-service answered \(response.status)")
        }
    }

    public func release(_ order: OrderID) async throws(StepFailure) {
        let response = try await ContextCall.send(client, "product-service", .post, "/reservations/\(order)/release")
        switch response.status {
        case 200, 404: return  // released, or nothing was ever held
        case 409: throw .permanent(ContextCall.detail(response))
        default: throw .transient("product-service answered \(response.status)")
        }
    }

    public func commit(_ order: OrderID) async throws(StepFailure) {
        let response = try await ContextCall.send(client, "product-service", .post, "/reservations/\(order)/commit")
        switch response.status {
        case 200: return
        case 404, 409: throw .permanent(ContextCall.detail(response))
        default: throw .transient("product-service answered \(response.status)")
        }
    }
}

public struct CargoFreightClient: FreightBooking {
    let client: ServiceClient

    public init(client: ServiceClient) { self.client = client }

    public func book(_ order: OrderID, from origin: String, to destination: String, arrivalDeadline: Date) async throws(StepFailure) -> String {
        let booked = try await ContextCall.send(client, "cargo-service", .post, "/cargos", body: [
            "origin": origin, "destination": destination, "reference": order.description,
            "arrivalDeadline": arrivalDeadline.formatted(Date.ISO8601FormatStyle()),
        ])
        switch booked.status {
        case 200, 201: break
        case 422: throw .permanent(ContextCall.detail(booked))
        default: throw .transient("cargo-service answered \(booked.status)")
        }
        let cargo = ContextCall.object(booked)
        guard let trackingID = cargo["trackingId"] as? String else { throw .transient("cargo-service answered without a tracking id") }
        // A booking repeated after a crash may already be routed.
        if cargo["itinerary"] is [String: Any] { return trackingID }
        let routes = try await ContextCall.send(client, "cargo-service", .get, "/cargos/\(trackingID)/routes")
        guard routes.status == 200 else { throw .transient("cargo-service answered \(routes.status) for routes") }
        guard let first = (ContextCall.object(routes)["items"] as? [Any])?.first else {
            throw .permanent("no freight route reaches \(destination) in time")
        }
        let assigned = try await ContextCall.send(client, "cargo-service", .put, "/cargos/\(trackingID)/itinerary", body: first)
        guard assigned.status == 200 else { throw .transient("cargo-service answered \(assigned.status) when routing") }
        return trackingID
    }
}

public struct CartClient: CartContents {
    let client: ServiceClient

    public init(client: ServiceClient) { self.client = client }

    public func lines(forCustomerToken token: String) async throws -> [CartLineSnapshot] {
        let response: ServiceResponse
        do {
            response = try await ContextCall.send(client, "cart-service", .get, "/carts/current", authorization: "Bearer \(token)")
        } catch {
            throw OrderError.cartUnavailable
        }
        guard response.status == 200 else { throw OrderError.cartUnavailable }
        let lines = ContextCall.object(response)["lines"] as? [[String: Any]] ?? []
        return lines.compactMap { line in
            guard let sku = line["sku"] as? String, let name = line["name"] as? String, let quantity = line["quantity"] as? Int,
                  let price = line["unitPriceNow"] as? [String: Any], let amount = (price["amount"] as? NSNumber)?.int64Value,
                  let code = price["currency"] as? String, let currency = Currency(code)
            else { return nil }
            return CartLineSnapshot(sku: sku, name: name, unitPrice: Money(minorUnits: amount, currency: currency), quantity: quantity,
                                    available: line["available"] as? Bool ?? false)
        }
    }
}
