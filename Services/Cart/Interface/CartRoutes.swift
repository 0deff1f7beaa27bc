import Foundation
import CartApplication
import Hummingbird
import Logging
import NIOCore
import OpenAPIHummingbird
import TradewindRuntime

public enum CartRoutes {
    /// Carts are reached with a bearer token (the user's cart) or, without one, an `X-Cart-Token` (a guest's cart):
    /// the token is checked when sent, and the handlers decide which cart the request means.
    public static let accessPolicy = AccessPolicy([
        "POST /carts": .open,
        "GET /carts/current": .optional,
        "DELETE /carts/current": .optional,
        "POST /carts/current/items": .optional,
        "PUT /carts/current/items/{sku}": .optional,
        "DELETE /carts/current/items/{sku}": .optional,
        "POST /carts/current/merge": .authenticated,
    ].merging(EventConsumer.accessRules) { $1 })

    public static func specification() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { throw CocoaError(.fileNoSuchFile) }
        return try Data(contentsOf: url)
    }

    public static func register(_ api: CartAPI, clearOrdered: ClearOrderedCart, on router: Router<ServiceRequestContext>, logger: Logger) throws {
        try api.registerHandlers(on: router, configuration: .tradewind)
        EventConsumer.register(on: router, handlers: [
            "OrderPlaced": { event in
                struct Placed: Decodable { let customer: String }
                try await clearOrdered.execute(customer: try event.decode(Placed.self).customer, eventID: event.id)
            },
        ], logger: logger)
        let specification = try specification()
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: specification)))
        }
    }
}
