import Foundation
import Hummingbird
import NIOCore
import TradewindKernel
import TradewindRuntime

public enum ProductRoutes {
    /// Reading the catalog needs no token (one is checked if sent, so administrators see inactive products);
    /// changing it needs the admin role; reservations are made by services on behalf of orders.
    public static let accessPolicy = AccessPolicy([
        "GET /categories": .open,
        "GET /categories/{id}": .open,
        "POST /categories": .anyRole(["admin"]),
        "PUT /categories/{id}": .anyRole(["admin"]),
        "GET /products": .optional,
        "GET /products/{id}": .optional,
        "GET /products/by-sku": .optional,
        "GET /products/by-sku/{sku}": .optional,
        "POST /products": .anyRole(["admin"]),
        "PUT /products/{id}": .anyRole(["admin"]),
        "POST /products/{id}/deactivate": .anyRole(["admin"]),
        "GET /inventory/{sku}": .open,
        "PUT /inventory/{sku}": .anyRole(["admin"]),
        "POST /reservations": .adminOrScope(Scope.reserveStock),
        "POST /reservation-batches": .adminOrScope(Scope.reserveStock),
        "POST /commit-batches": .adminOrScope(Scope.reserveStock),
        "GET /reservations/{orderId}": .adminOrScope(Scope.reserveStock),
        "POST /reservations/{orderId}/release": .adminOrScope(Scope.reserveStock),
        "POST /reservations/{orderId}/commit": .adminOrScope(Scope.reserveStock),
    ])

    public static func register(_ api: ProductAPI, on router: Router<ServiceRequestContext>) throws {
        try api.registerHandlers(on: OpenAPIRoutes(router), configuration: .tradewind)
    }
}
