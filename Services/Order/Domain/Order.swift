import Foundation
import TradewindKernel

public struct OrderID: EntityIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// What was bought, as it was at checkout: later catalog changes do not touch an order.
public struct OrderLine: Sendable, Equatable, Codable {
    public let sku: String
    public let name: String
    public let unitPrice: Money
    public let quantity: Int

    public init(sku: String, name: String, unitPrice: Money, quantity: Int) throws(OrderError) {
        guard (1...99).contains(quantity) else { throw .invalid("each line needs 1 to 99 units") }
        guard unitPrice.minorUnits >= 0 else { throw .invalid("a price cannot be negative") }
        self.sku = sku
        self.name = name
        self.unitPrice = unitPrice
        self.quantity = quantity
    }

    public func total() throws(OrderError) -> Money {
        do {
            return try unitPrice.multiplied(by: quantity)
        } catch {
            throw .invalid("the line total does not fit")
        }
    }
}

/// Where the goods go. `destination` is the UN/LOCODE of the port the freight is booked to.
public struct ShippingAddress: Sendable, Equatable, Codable {
    public let name: String
    public let street: String
    public let city: String
    public let postalCode: String
    public let country: String
    public let destination: String

    public init(name: String, street: String, city: String, postalCode: String, country: String, destination: String) throws(OrderError) {
        for (field, value, limit) in [("name", name, 100), ("street", street, 200), ("city", city, 100), ("postalCode", postalCode, 20)] {
            guard (1...limit).contains(value.trimmingWhitespace.count) else { throw .invalid("\(field) must be 1 to \(limit) characters") }
        }
        let countryCode = country.uppercased()
        guard countryCode.count == 2, countryCode.allSatisfy({ $0.isASCII && $0.isLetter }) else { throw .invalid("country must be an ISO 3166 code such as SE") }
        let port = destination.uppercased()
        guard port.utf8.count == 5, port.utf8.prefix(2).allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }),
              port.utf8.dropFirst(2).allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x32 && $0 <= 0x39) })
        else { throw .invalid("destination must be a UN/LOCODE such as SESTO") }
        self.name = name.trimmingWhitespace
        self.street = street.trimmingWhitespace
        self.city = city.trimmingWhitespace
        self.postalCode = postalCode.trimmingWhitespace
        self.country = countryCode
        self.destination = port
    }
}

/// An order's life. Checkout moves it from `pending` to `shipped`; the freight's events to `inTransit` and
/// `delivered`. It can be cancelled until it ships, and fails when a checkout step fails for good. One move lies
/// outside `successors`: a cancellation the shipment overtook gives way to it (``Order/shipAfterAll(trackingID:confirmationAnnounced:at:)``).
public enum OrderStatus: String, Sendable, Equatable, CaseIterable, Codable {
    case pending, stockReserved, confirmed, shipped, inTransit, delivered, cancelled, failed

    /// The statuses this one may move to.
    public var successors: Set<OrderStatus> {
        switch self {
        case .pending: [.stockReserved, .cancelled, .failed]
        case .stockReserved: [.confirmed, .cancelled, .failed]
        case .confirmed: [.shipped, .cancelled, .failed]
        case .shipped: [.inTransit, .delivered]
        case .inTransit: [.delivered]
        case .delivered, .cancelled, .failed: []
        }
    }

    public var isFinal: Bool { successors.isEmpty }
}

/// What the freight's events last said about the goods.
public struct FreightStatus: Sendable, Equatable, Codable {
    /// Where the goods are, in the order's words (the names match the cargo context's transport statuses).
    public enum Transport: String, Sendable, Equatable, Codable {
        case notReceived = "NOT_RECEIVED", inPort = "IN_PORT", onboardCarrier = "ONBOARD_CARRIER", claimed = "CLAIMED"
    }

    public var transport: Transport
    public var lastLocation: String?
    public var misdirected: Bool

    public init(transport: Transport, lastLocation: String?, misdirected: Bool) {
        self.transport = transport
        self.lastLocation = lastLocation
        self.misdirected = misdirected
    }
}

/// The order aggregate: a snapshot of the cart at checkout, a shipping address, and a status whose moves are
/// guarded here. Each change returns the events it causes (``OrderEvent``), for the use case to store with it.
public struct Order: Sendable, Equatable {
    public let id: OrderID
    public let customer: String
    public let lines: [OrderLine]
    public let total: Money
    public let address: ShippingAddress
    public private(set) var status: OrderStatus
    public private(set) var failureReason: String?
    public private(set) var trackingID: String?
    public private(set) var freight: FreightStatus?
    public let createdAt: Date
    public private(set) var updatedAt: Date
    public private(set) var version: Int

    public init(id: OrderID, customer: String, lines: [OrderLine], address: ShippingAddress, status: OrderStatus = .pending,
                failureReason: String? = nil, trackingID: String? = nil, freight: FreightStatus? = nil, createdAt: Date, updatedAt: Date,
                version: Int = 0) throws(OrderError) {
        guard !lines.isEmpty else { throw .emptyCart }
        guard lines.count <= 50, Set(lines.map(\.sku)).count == lines.count else { throw .invalid("at most 50 lines, one per SKU") }
        let currency = lines[0].unitPrice.currency
        var sum = Money.zero(currency)
        for line in lines {
            do {
                sum = try sum.adding(try line.total())
            } catch {
                throw .invalid("all lines must be priced in one currency")
            }
        }
        self.id = id
        self.customer = customer
        self.lines = lines
        self.total = sum
        self.address = address
        self.status = status
        self.failureReason = failureReason
        self.trackingID = trackingID
        self.freight = freight
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// The order as its repository holds it once this version is stored: the same state, one version on.
    public func stored() -> Order {
        var next = self
        next.version += 1
        return next
    }

    /// A new order from a cart's lines, pending its checkout.
    public static func place(_ id: OrderID, customer: String, lines: [OrderLine], address: ShippingAddress,
                             at now: Date) throws(OrderError) -> (Order, [OrderEvent]) {
        let order = try Order(id: id, customer: customer, lines: lines, address: address, createdAt: now, updatedAt: now)
        return (order, [.placed(order)])
    }

    public mutating func stockReserved(at now: Date) throws(OrderError) -> [OrderEvent] {
        try move(to: .stockReserved, at: now)
        return []
    }

    public mutating func confirm(at now: Date) throws(OrderError) -> [OrderEvent] {
        try move(to: .confirmed, at: now)
        return [.confirmed(id)]
    }

    public mutating func ship(trackingID: String, at now: Date) throws(OrderError) -> [OrderEvent] {
        try move(to: .shipped, at: now)
        self.trackingID = trackingID
        return [.shipped(id, trackingID: trackingID)]
    }

    /// The goods left with the freight although the checkout had turned back: the stock was committed by a booking
    /// that a cancellation overtook, or by a commit whose answer was lost before the checkout gave up. A cancellation
    /// is not announced until its stock is back, so it gives way; the order ships after all, with the cargo booked
    /// for it. `confirmationAnnounced` says whether `OrderConfirmed` went out before the cancellation was stored.
    public mutating func shipAfterAll(trackingID: String, confirmationAnnounced: Bool, at now: Date) throws(OrderError) -> [OrderEvent] {
        guard status == .cancelled || status == .confirmed else { throw .transitionNotAllowed(from: status, to: .shipped) }
        let confirmation: [OrderEvent] = status == .cancelled && !confirmationAnnounced ? [.confirmed(id)] : []
        status = .shipped
        updatedAt = now
        self.trackingID = trackingID
        return confirmation + [.shipped(id, trackingID: trackingID)]
    }

    /// The customer cancels; the cancellation is announced once the held stock is back (``stockReturned(reason:at:)``).
    public mutating func cancel(at now: Date) throws(OrderError) -> [OrderEvent] {
        try move(to: .cancelled, at: now)
        return []
    }

    /// The checkout gave the held stock back: a cancelled order is now cancelled for everyone, any other fails with `reason`.
    public mutating func stockReturned(reason: String, at now: Date) throws(OrderError) -> [OrderEvent] {
        if status == .cancelled { return [.cancelled(id)] }
        return try fail(reason, at: now)
    }

    public mutating func fail(_ reason: String, at now: Date) throws(OrderError) -> [OrderEvent] {
        try move(to: .failed, at: now)
        failureReason = String(reason.prefix(300))
        return [.failed(id, reason: failureReason ?? reason)]
    }

    /// The freight reported something: loading moves a shipped order in transit, a claim delivers it.
    public mutating func freightReported(_ freight: FreightStatus, claimed: Bool, at now: Date) -> [OrderEvent] {
        self.freight = freight
        updatedAt = now
        if claimed, status.successors.contains(.delivered) {
            status = .delivered
            return [.delivered(id)]
        } else if freight.transport == .onboardCarrier, status == .shipped {
            status = .inTransit
        }
        return []
    }

    private mutating func move(to next: OrderStatus, at now: Date) throws(OrderError) {
        guard status.successors.contains(next) else { throw .transitionNotAllowed(from: status, to: next) }
        status = next
        updatedAt = now
    }
}

public enum OrderError: Error, Equatable, Sendable {
    case invalid(String)
    case emptyCart
    case transitionNotAllowed(from: OrderStatus, to: OrderStatus)
    case orderNotFound
    case idempotencyKeyReused
    case concurrentUpdate
    /// The customer's cart could not be read (the cart service is down).
    case cartUnavailable
}
