import Foundation
import TradewindKernel

/// A customer placed an order from their cart; its checkout (stock, confirmation, freight) starts now.
public struct OrderPlaced: PublishedEvent {
    public static let name = "OrderPlaced"
    public static let version = 1
    public static let publisher = OrderContract.service

    public let orderId: String
    /// The customer's user id (the subject of their access token).
    public let customer: String
    /// The order's total in minor units of `currency`.
    public let totalAmount: Int64
    /// ISO 4217 code.
    public let currency: String

    public var aggregateID: String { orderId }

    public init(orderId: String, customer: String, totalAmount: Int64, currency: String) {
        self.orderId = orderId
        self.customer = customer
        self.totalAmount = totalAmount
        self.currency = currency
    }

    private enum CodingKeys: String, CodingKey { case orderId, customer, totalAmount, currency }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        orderId = try container.decode(String.self, forKey: .orderId)
        customer = try container.decode(String.self, forKey: .customer)
        currency = try container.decode(String.self, forKey: .currency)
        // Events written before the contract was typed carry the amount as a string.
        if let text = try? container.decode(String.self, forKey: .totalAmount) {
            guard let amount = Int64(text) else {
                throw DecodingError.dataCorruptedError(forKey: .totalAmount, in: container, debugDescription: "not an amount: \(text)")
            }
            totalAmount = amount
        } else {
            totalAmount = try container.decode(Int64.self, forKey: .totalAmount)
        }
    }
}
