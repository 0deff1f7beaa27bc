import Foundation

/// What a change of an order causes that other contexts hear of; the aggregate returns them, and the
/// infrastructure publishes them in the published language of `OrderContracts`.
public enum OrderEvent: Sendable, Equatable {
    case placed(Order)
    case confirmed(OrderID)
    case shipped(OrderID, trackingID: String)
    case cancelled(OrderID)
    case failed(OrderID, reason: String)
    case delivered(OrderID)

    public var name: String {
        switch self {
        case .placed: "OrderPlaced"
        case .confirmed: "OrderConfirmed"
        case .shipped: "OrderShipped"
        case .cancelled: "OrderCancelled"
        case .failed: "OrderFailed"
        case .delivered: "OrderDelivered"
        }
    }
}
