import Foundation
import Hummingbird
import NIOCore
import TradewindKernel
import TradewindRuntime

public enum CargoRoutes {
    /// Tracking, locations and voyages are public; booking and routing are for administrators and services (the
    /// order service books freight); handling reports come from port staff (`operator`).
    public static let accessPolicy = AccessPolicy([
        "GET /locations": .open,
        "GET /voyages": .open,
        "GET /tracking/{trackingId}": .open,
        "POST /cargos": .adminOrScope(Scope.bookFreight),
        "POST /booking-batches": .adminOrScope(Scope.bookFreight),
        "GET /cargos": .adminOrScope(Scope.bookFreight),
        "GET /cargos/{trackingId}": .adminOrScope(Scope.bookFreight),
        "GET /cargos/{trackingId}/routes": .adminOrScope(Scope.bookFreight),
        "PUT /cargos/{trackingId}/itinerary": .adminOrScope(Scope.bookFreight),
        "PUT /cargos/{trackingId}/destination": .adminOrScope(Scope.bookFreight),
        "POST /cargos/{trackingId}/reroute": .adminOrScope(Scope.bookFreight),
        "POST /handling/events": .anyRole(["operator", "admin"]),
        "POST /handling/events/batch": .anyRole(["operator", "admin"]),
    ])

    public static func register(_ api: CargoAPI, on router: Router<ServiceRequestContext>) throws {
        try api.registerHandlers(on: OpenAPIRoutes(router), configuration: .tradewind)
    }
}
