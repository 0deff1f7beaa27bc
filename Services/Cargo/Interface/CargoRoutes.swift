import Foundation
import Hummingbird
import NIOCore
import OpenAPIHummingbird
import TradewindRuntime

public enum CargoRoutes {
    /// Tracking, locations and voyages are public; booking and routing are for administrators and services (the
    /// order service books freight); handling reports come from port staff (`operator`).
    public static let accessPolicy = AccessPolicy([
        "GET /locations": .open,
        "GET /voyages": .open,
        "GET /tracking/{trackingId}": .open,
        "POST /cargos": .anyRole(["admin", "service"]),
        "GET /cargos": .anyRole(["admin", "service"]),
        "GET /cargos/{trackingId}": .anyRole(["admin", "service"]),
        "GET /cargos/{trackingId}/routes": .anyRole(["admin", "service"]),
        "PUT /cargos/{trackingId}/itinerary": .anyRole(["admin", "service"]),
        "PUT /cargos/{trackingId}/destination": .anyRole(["admin", "service"]),
        "POST /cargos/{trackingId}/reroute": .anyRole(["admin", "service"]),
        "POST /handling/events": .anyRole(["operator", "admin"]),
        "POST /handling/events/batch": .anyRole(["operator", "admin"]),
    ])

    public static func register(_ api: CargoAPI, on router: Router<ServiceRequestContext>) throws {
        try api.registerHandlers(on: router, configuration: .tradewind)
    }
}
