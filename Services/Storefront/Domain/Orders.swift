import Foundation
import TradewindKernel

/// Where an order goes: the address on the parcel and the port the freight is booked to.
public struct ShippingAddress: Sendable, Equatable {
    public let name: String
    public let street: String
    public let city: String
    public let postalCode: String
    /// Two letters (ISO 3166-1 alpha-2).
    public let country: String
    /// The destination port's UN/LOCODE.
    public let destination: String

    public init(name: String, street: String, city: String, postalCode: String, country: String, destination: String) {
        self.name = name
        self.street = street
        self.city = city
        self.postalCode = postalCode
        self.country = country
        self.destination = destination
    }

    /// The fields as a shopper typed them, checked as the order context will check them; the problems by field.
    public static func checked(
        name: String, street: String, city: String, postalCode: String, country: String, destination: String
    ) -> Result<ShippingAddress, FieldProblems> {
        func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
        var problems: [String: String] = [:]
        let (name, street, city, postalCode) = (trimmed(name), trimmed(street), trimmed(city), trimmed(postalCode))
        let country = trimmed(country).uppercased(), destination = trimmed(destination).uppercased()
        if name.isEmpty || name.count > 100 { problems["name"] = "Enter the name on the parcel (up to 100 characters)." }
        if street.isEmpty || street.count > 200 { problems["street"] = "Enter the street and number (up to 200 characters)." }
        if city.isEmpty || city.count > 100 { problems["city"] = "Enter the city (up to 100 characters)." }
        if postalCode.isEmpty || postalCode.count > 20 { problems["postalCode"] = "Enter the postal code (up to 20 characters)." }
        if country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) { problems["country"] = "Enter the country as two letters, such as SE or JP." }
        if destination.count != 5 || !destination.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            problems["destination"] = "Choose the port the order ships to."
        }
        guard problems.isEmpty else { return .failure(FieldProblems(byField: problems)) }
        return .success(ShippingAddress(name: name, street: street, city: city, postalCode: postalCode, country: country, destination: destination))
    }
}

/// What is wrong with a form, by the name of the field each problem is shown next to.
public struct FieldProblems: Error, Sendable, Equatable {
    public let byField: [String: String]

    public init(byField: [String: String]) { self.byField = byField }
}

public enum ShopOrderStatus: String, Sendable, CaseIterable {
    case pending, stockReserved, confirmed, shipped, inTransit, delivered, cancelled, failed
}

public struct ShopOrderLine: Sendable, Equatable {
    public let sku: String
    public let name: String
    public let quantity: Int
    public let unitPrice: Money
    public let lineTotal: Money

    public init(sku: String, name: String, quantity: Int, unitPrice: Money, lineTotal: Money) {
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.lineTotal = lineTotal
    }
}

public struct ShopOrder: Sendable, Equatable {
    public let id: String
    public let status: ShopOrderStatus
    public let lines: [ShopOrderLine]
    public let total: Money
    public let address: ShippingAddress
    public let placedAt: Date
    public let failureReason: String?
    /// The cargo's tracking id, once freight is booked.
    public let trackingID: String?

    public init(id: String, status: ShopOrderStatus, lines: [ShopOrderLine], total: Money, address: ShippingAddress, placedAt: Date,
                failureReason: String?, trackingID: String?) {
        self.id = id
        self.status = status
        self.lines = lines
        self.total = total
        self.address = address
        self.placedAt = placedAt
        self.failureReason = failureReason
        self.trackingID = trackingID
    }
}

public struct DestinationPort: Sendable, Equatable {
    public let code: String
    public let name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

/// What anyone with the tracking id may see of a cargo.
public struct Tracking: Sendable, Equatable {
    public struct Event: Sendable, Equatable {
        public let description: String
        public let completedAt: Date
        public let expected: Bool

        public init(description: String, completedAt: Date, expected: Bool) {
            self.description = description
            self.completedAt = completedAt
            self.expected = expected
        }
    }

    /// One voyage of the route: loaded at `from`, unloaded at `to` (UN/LOCODEs).
    public struct Leg: Sendable, Equatable {
        public let voyage: String
        public let from: String
        public let to: String
        public let departs: Date
        public let arrives: Date

        public init(voyage: String, from: String, to: String, departs: Date, arrives: Date) {
            self.voyage = voyage
            self.from = from
            self.to = to
            self.departs = departs
            self.arrives = arrives
        }
    }

    public let trackingID: String
    public let status: String
    public let destination: String
    public let estimatedArrival: Date?
    public let nextActivity: String?
    public let misdirected: Bool
    /// Empty while the cargo is not routed.
    public let route: [Leg]
    public let events: [Event]

    public init(trackingID: String, status: String, destination: String, estimatedArrival: Date?, nextActivity: String?, misdirected: Bool,
                route: [Leg] = [], events: [Event]) {
        self.trackingID = trackingID
        self.status = status
        self.destination = destination
        self.estimatedArrival = estimatedArrival
        self.nextActivity = nextActivity
        self.misdirected = misdirected
        self.route = route
        self.events = events
    }
}

/// Orders, as the order context publishes them, on the customer's behalf.
public protocol Orders: Sendable {
    /// Places the order for what the customer's cart holds; the same `key` again answers the same order.
    func place(shippingTo address: ShippingAddress, key: String, accessToken: String) async throws -> ShopOrder
    /// The customer's orders, newest first, a page at a time.
    func orders(accessToken: String, after cursor: String?) async throws -> (orders: [ShopOrder], nextCursor: String?)
    /// `nil` when the customer has no such order.
    func order(id: String, accessToken: String) async throws -> ShopOrder?
}

/// The freight side, as the cargo context publishes it to anyone.
public protocol Freight: Sendable {
    func ports() async throws -> [DestinationPort]
    /// `nil` for an unknown tracking id.
    func tracking(id: String) async throws -> Tracking?
}
