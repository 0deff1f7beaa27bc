import Foundation
import TradewindKernel

/// The order's stock is held and it is confirmed; freight is booked next.
public struct OrderConfirmed: PublishedEvent {
    public static let name = "OrderConfirmed"
    public static let version = 1
    public static let publisher = OrderContract.service

    public let orderId: String

    public var aggregateID: String { orderId }

    public init(orderId: String) { self.orderId = orderId }
}
