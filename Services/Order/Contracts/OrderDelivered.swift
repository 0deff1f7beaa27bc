import Foundation
import TradewindKernel

/// The order's cargo was claimed at its destination.
public struct OrderDelivered: PublishedEvent {
    public static let name = "OrderDelivered"
    public static let version = 1
    public static let publisher = OrderContract.service

    public let orderId: String

    public var aggregateID: String { orderId }

    public init(orderId: String) { self.orderId = orderId }
}
