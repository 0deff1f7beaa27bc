import Foundation
import TradewindKernel

/// The order's checkout failed for good (stock short, no freight route); any held stock was returned.
public struct OrderFailed: PublishedEvent {
    public static let name = "OrderFailed"
    public static let version = 1
    public static let publisher = OrderContract.service

    public let orderId: String
    /// Why, in words meant for the customer.
    public let reason: String

    public var aggregateID: String { orderId }

    public init(orderId: String, reason: String) {
        self.orderId = orderId
        self.reason = reason
    }
}
