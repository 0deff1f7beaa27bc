import Foundation
import OrderApplication
import OrderContracts
import OrderDomain
import TradewindKernel
import TradewindRuntime

/// The order's domain events in the published language of `OrderContracts`, ready for the outbox.
enum PublishedOrderEvents {
    static func integrationEvent(_ event: OrderEvent, id: String, at now: Date) throws -> IntegrationEvent {
        switch event {
        case .placed(let order):
            try IntegrationEvent(OrderPlaced(orderId: order.id.description, customer: order.customer, totalAmount: order.total.minorUnits,
                                             currency: order.total.currency.code),
                                 id: id, occurredAt: now)
        case .confirmed(let order): try IntegrationEvent(OrderConfirmed(orderId: order.description), id: id, occurredAt: now)
        case .shipped(let order, let trackingID):
            try IntegrationEvent(OrderShipped(orderId: order.description, trackingId: trackingID), id: id, occurredAt: now)
        case .cancelled(let order): try IntegrationEvent(OrderCancelled(orderId: order.description), id: id, occurredAt: now)
        case .failed(let order, let reason): try IntegrationEvent(OrderFailed(orderId: order.description, reason: reason), id: id, occurredAt: now)
        case .delivered(let order): try IntegrationEvent(OrderDelivered(orderId: order.description), id: id, occurredAt: now)
        }
    }
}
