import Foundation
import TradewindKernel

/// The order was cancelled before it shipped; its stock was returned.
public struct OrderCancelled: PublishedEvent {
    public static let name = "OrderCancelled"
    public static let version = 1
    public static let publisher = OrderContract.service

    public let orderId: String

    public var aggregateID: String { orderId }

    public init(orderId: String) { self.orderId = orderId }
}
