import Foundation
import TradewindKernel

/// A cart as shown to its owner: each line's price when added and now, whether it changed, whether it can still
/// be bought, and the total of the lines that can.
public struct CartView: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public let sku: String
        public let name: String
        public let quantity: Int
        public let unitPriceWhenAdded: Money
        public let unitPriceNow: Money
        public let lineTotal: Money
        public let available: Bool
        public let availableQuantity: Int?

        public var priceChanged: Bool { unitPriceNow != unitPriceWhenAdded }
    }

    public let cart: Cart
    public let lines: [Line]
    /// The sum of the lines that can be bought; `nil` for an empty cart.
    public let total: Money?
    /// The catalog could not be asked: prices and availability are the last known ones.
    public let pricesAreStale: Bool
    public let expiresAt: Date

    public var itemCount: Int { lines.reduce(0) { $0 + $1.quantity } }
    public var priceChanges: Int { lines.filter(\.priceChanged).count }

    /// `lines` come from the cart's last known catalog data, refreshed beforehand when the catalog answered.
    public init(cart: Cart, pricesAreStale: Bool, lifetime: TimeInterval) throws(CartError) {
        self.cart = cart
        self.pricesAreStale = pricesAreStale
        self.expiresAt = cart.updatedAt.addingTimeInterval(lifetime)
        var lines: [Line] = []
        for line in cart.lines {
            let enough = line.lastKnownAvailable.map { $0 >= line.quantity } ?? true
            let lineTotal: Money
            do {
                lineTotal = try line.lastKnownPrice.multiplied(by: line.quantity)
            } catch {
                throw .quantityOutOfRange(line.quantity)
            }
            lines.append(Line(
                sku: line.sku, name: line.name, quantity: line.quantity, unitPriceWhenAdded: line.unitPriceWhenAdded,
                unitPriceNow: line.lastKnownPrice, lineTotal: lineTotal, available: line.lastKnownActive && enough,
                availableQuantity: line.lastKnownAvailable
            ))
        }
        self.lines = lines
        let buyable = lines.filter(\.available).map(\.lineTotal)
        if let currency = cart.currency {
            do {
                total = try Money.sum(buyable, in: currency)
            } catch {
                throw .currencyMismatch(cart: currency.code, product: buyable.first { $0.currency != currency }?.currency.code ?? "?")
            }
        } else {
            total = nil
        }
    }
}
