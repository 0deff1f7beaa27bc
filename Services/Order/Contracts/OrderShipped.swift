import Foundation
import TradewindKernel

/// The order's freight is booked and routed: the cargo context tracks it under `trackingId`.
public struct OrderShipped: PublishedEvent {
    public static let name = "OrderShipped"
    public static let version = 1
    public static let publisher = OrderContract.service

    public let orderId: String
    public let trackingId: String

    public var aggregateID: String { orderId }

    public init(orderId: String, trackingId: String) {
        self.orderId = orderId
        self.trackingId = trackingId
    }
}
