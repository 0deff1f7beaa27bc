import Foundation
import CartApplication
import CartDomain
import Hummingbird
import Logging
import NIOCore
import TradewindKernel
import TradewindRuntime

public enum CartRoutes {
    /// Carts are reached with a bearer token (the user's cart) or, without one, an `X-Cart-Token` (a guest's cart):
    /// the token is checked when sent, and the handlers decide which cart the request means. Reading the carts of
    /// several users needs the admin role or the `carts:read` scope.
    public static let accessPolicy = AccessPolicy([
        "POST /carts": .open,
        "GET /carts/current": .optional,
        "DELETE /carts/current": .optional,
        "POST /carts/current/items": .optional,
        "PUT /carts/current/items/{sku}": .optional,
        "DELETE /carts/current/items/{sku}": .optional,
        "POST /carts/current/merge": .authenticated,
        "POST /cart-reads": .adminOrScope(Scope.readCarts),
    ])

    public static func register(_ api: CartAPI, on router: Router<ServiceRequestContext>) throws {
        try api.registerHandlers(on: OpenAPIRoutes(router), configuration: .tradewind)
    }
}
