import Foundation
import Hummingbird
import Logging
import NIOCore
import OpenAPIHummingbird
import OrderApplication
import OrderDomain
import TradewindRuntime

public enum OrderRoutes {
    /// Every order operation needs a signed-in caller, the listing of all orders an administrator; cargo events
    /// arrive from services only.
    public static let accessPolicy = AccessPolicy([
        "POST /orders": .authenticated,
        "GET /orders": .authenticated,
        "GET /orders/{orderId}": .authenticated,
        "POST /orders/{orderId}/cancel": .authenticated,
        "GET /admin/orders": .anyRole(["admin"]),
    ].merging(EventConsumer.accessRules) { $1 }.merging(OutboxAdminRoutes.accessRules) { $1 })

    public static func specification() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { throw CocoaError(.fileNoSuchFile) }
        return try Data(contentsOf: url)
    }

    public static func register(_ api: OrderAPI, manage: ManageOrders, store: any SQLStore, on router: Router<ServiceRequestContext>, logger: Logger) throws {
        try api.registerHandlers(on: router, configuration: .tradewind)
        let specification = try specification()
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: specification)))
        }
        EventConsumer.register(on: router, handlers: FreightEvents.handlers(manage), logger: logger)
        OutboxAdminRoutes.register(on: router, store: store)
    }
}

/// The cargo context's events, as the order context reads them (its published language: `trackingId`, and for
/// `CargoHandled` the event `type` and `location`).
enum FreightEvents {
    static func handlers(_ manage: ManageOrders) -> [String: EventConsumer.Handler] {
        [
            "CargoHandled": { event in
                let data = try event.decode([String: String].self)
                guard let tracking = data["trackingId"] else { return }
                let transport = switch data["type"] {
                case "LOAD": "ONBOARD_CARRIER"
                case "CLAIM": "CLAIMED"
                default: "IN_PORT"
                }
                try await manage.freightReported(eventID: event.id, eventType: event.type, trackingID: tracking, transport: transport,
                                                 location: data["location"], misdirected: nil, claimed: data["type"] == "CLAIM")
            },
            "CargoMisdirected": { event in
                let data = try event.decode([String: String].self)
                guard let tracking = data["trackingId"] else { return }
                try await manage.freightReported(eventID: event.id, eventType: event.type, trackingID: tracking, transport: nil,
                                                 location: data["location"], misdirected: true, claimed: false)
            },
        ]
    }
}
