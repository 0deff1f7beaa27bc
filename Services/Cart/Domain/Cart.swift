import Foundation
import TradewindKernel

public struct CartID: EntityIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Whose cart it is: a signed-in user (by token subject) or a guest (by the hash of the guest's cart token).
public enum CartOwner: Sendable, Hashable {
    case user(String)
    case guest(tokenHash: String)
}

/// One product in a cart. The price when added is kept so the cart can show what changed since; the last known
/// price and stock are what the catalog said most recently, used when it cannot be asked.
public struct CartLine: Sendable, Equatable, Codable {
    public let sku: String
    public var name: String
    public var quantity: Int
    public let unitPriceWhenAdded: Money
    public var lastKnownPrice: Money
    public var lastKnownAvailable: Int?
    public var lastKnownActive: Bool

    public init(sku: String, name: String, quantity: Int, unitPriceWhenAdded: Money, lastKnownPrice: Money? = nil,
                lastKnownAvailable: Int? = nil, lastKnownActive: Bool = true) {
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unitPriceWhenAdded = unitPriceWhenAdded
        self.lastKnownPrice = lastKnownPrice ?? unitPriceWhenAdded
        self.lastKnownAvailable = lastKnownAvailable
        self.lastKnownActive = lastKnownActive
    }
}

/// What the catalog says about a product now.
public struct CatalogEntry: Sendable, Equatable {
    public let sku: String
    public let name: String
    public let price: Money
    public let active: Bool
    /// Units that can still be bought; `nil` when unknown.
    public let available: Int?

    public init(sku: String, name: String, price: Money, active: Bool, available: Int?) {
        self.sku = sku
        self.name = name
        self.price = price
        self.active = active
        self.available = available
    }
}

/// A shopping cart: at most ``maximumLines`` lines of 1…``maximumQuantity`` units each, all in one currency.
public struct Cart: Sendable, Equatable {
    public static let maximumQuantity = 99
    public static let maximumLines = 50

    public let id: CartID
    public let owner: CartOwner
    public private(set) var lines: [CartLine]
    public private(set) var updatedAt: Date
    public let version: Int

    public init(id: CartID, owner: CartOwner, lines: [CartLine] = [], updatedAt: Date, version: Int = 0) {
        self.id = id
        self.owner = owner
        self.lines = lines
        self.updatedAt = updatedAt
        self.version = version
    }

    public var currency: Currency? { lines.first?.unitPriceWhenAdded.currency }

    /// Adds `quantity` of a product the catalog sells; a product already in the cart gets the units added.
    public mutating func add(_ entry: CatalogEntry, quantity: Int, at now: Date) throws(CartError) {
        try Self.check(quantity)
        guard entry.active else { throw .productNotForSale(entry.sku) }
        if let currency, currency != entry.price.currency { throw .currencyMismatch(cart: currency.code, product: entry.price.currency.code) }
        if let index = lines.firstIndex(where: { $0.sku == entry.sku }) {
            let total = lines[index].quantity + quantity
            guard total <= Self.maximumQuantity else { throw .quantityOutOfRange(total) }
            lines[index].quantity = total
            lines[index].refresh(from: entry)
        } else {
            guard lines.count < Self.maximumLines else { throw .tooManyLines }
            lines.append(CartLine(sku: entry.sku, name: entry.name, quantity: quantity, unitPriceWhenAdded: entry.price,
                                  lastKnownAvailable: entry.available))
        }
        updatedAt = now
    }

    public mutating func setQuantity(_ quantity: Int, of sku: String, at now: Date) throws(CartError) {
        try Self.check(quantity)
        guard let index = lines.firstIndex(where: { $0.sku == sku }) else { throw .notInCart(sku) }
        lines[index].quantity = quantity
        updatedAt = now
    }

    public mutating func remove(_ sku: String, at now: Date) throws(CartError) {
        guard let index = lines.firstIndex(where: { $0.sku == sku }) else { throw .notInCart(sku) }
        lines.remove(at: index)
        updatedAt = now
    }

    public mutating func clear(at now: Date) {
        lines.removeAll()
        updatedAt = now
    }

    /// Takes over a guest cart's lines: quantities of the same product are summed (at most ``maximumQuantity``),
    /// this cart's price-when-added is kept. All or nothing: a rule broken leaves this cart as it was.
    public mutating func merge(_ guest: Cart, at now: Date) throws(CartError) {
        var merged = self
        for line in guest.lines {
            if let currency = merged.currency, currency != line.unitPriceWhenAdded.currency {
                throw .currencyMismatch(cart: currency.code, product: line.unitPriceWhenAdded.currency.code)
            }
            if let index = merged.lines.firstIndex(where: { $0.sku == line.sku }) {
                merged.lines[index].quantity = min(Self.maximumQuantity, merged.lines[index].quantity + line.quantity)
            } else {
                guard merged.lines.count < Self.maximumLines else { throw .tooManyLines }
                merged.lines.append(line)
            }
        }
        merged.updatedAt = now
        self = merged
    }

    /// Records what the catalog said, so that the cart can still be shown when the catalog is unreachable. Answers
    /// whether that is worth storing: whether it changes what the cart would then show about a line (its name, its
    /// price, whether it can be bought). A new stock count alone is not: a popular product's count moves with every
    /// order, and storing it on each read would make every view of a cart a write.
    @discardableResult
    public mutating func remember(_ entries: [String: CatalogEntry]) -> Bool {
        let before = lines.map(\.offlineAppearance)
        for index in lines.indices {
            if let entry = entries[lines[index].sku] { lines[index].refresh(from: entry) } else { lines[index].lastKnownActive = false }
        }
        return lines.map(\.offlineAppearance) != before
    }

    static func check(_ quantity: Int) throws(CartError) {
        guard (1...maximumQuantity).contains(quantity) else { throw .quantityOutOfRange(quantity) }
    }
}

extension CartLine {
    /// What a view from the last known catalog data shows of this line, but for the stock count itself.
    struct OfflineAppearance: Equatable {
        let name: String
        let price: Money
        let active: Bool
        let stockKnown: Bool
        let enoughInStock: Bool
    }

    var offlineAppearance: OfflineAppearance {
        OfflineAppearance(name: name, price: lastKnownPrice, active: lastKnownActive, stockKnown: lastKnownAvailable != nil,
                          enoughInStock: lastKnownAvailable.map { $0 >= quantity } ?? true)
    }

    mutating func refresh(from entry: CatalogEntry) {
        name = entry.name
        lastKnownPrice = entry.price
        lastKnownAvailable = entry.available
        lastKnownActive = entry.active
    }
}

public enum CartError: Error, Equatable, Sendable {
    case quantityOutOfRange(Int)
    case tooManyLines
    case notInCart(String)
    case productNotForSale(String)
    case unknownProduct(String)
    case currencyMismatch(cart: String, product: String)
    case catalogUnavailable
    case cartNotFound
    case identificationRequired
    case concurrentUpdate
    case invalidSKU
    /// A request the cart cannot act on, and why.
    case invalid(String)
}
