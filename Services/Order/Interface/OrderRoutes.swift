import Foundation
import Hummingbird
import Logging
import NIOCore
import OrderApplication
import OrderDomain
import TradewindRuntime

public enum OrderRoutes {
    /// Every order operation needs a signed-in caller, the listing of all orders an administrator.
    public static let accessPolicy = AccessPolicy([
        "POST /orders": .authenticated,
        "GET /orders": .authenticated,
        "GET /orders/{orderId}": .authenticated,
        "POST /orders/{orderId}/cancel": .authenticated,
        "GET /admin/orders": .anyRole(["admin"]),
    ].merging(OutboxAdminRoutes.accessRules) { $1 })

    public static func register(_ api: OrderAPI, store: any SQLStore, on router: Router<ServiceRequestContext>) throws {
        try api.registerHandlers(on: OpenAPIRoutes(router), configuration: .tradewind)
        OutboxAdminRoutes.register(on: router, store: store)
    }
}
