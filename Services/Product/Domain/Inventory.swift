import Foundation

/// Stock of one SKU: what is on the shelf, and how much of it is promised to orders.
public struct StockLevel: Sendable, Equatable {
    public let sku: SKU
    public let onHand: Int
    public let reserved: Int

    public init(sku: SKU, onHand: Int, reserved: Int) {
        self.sku = sku
        self.onHand = onHand
        self.reserved = reserved
    }

    public var available: Int { onHand - reserved }
}

public struct ReservationLine: Sendable, Equatable, Hashable {
    public let sku: SKU
    public let quantity: Int

    public init(sku: SKU, quantity: Int) throws(ProductError) {
        guard (1...1000).contains(quantity) else { throw .invalid(field: "lines.quantity", reason: "must be between 1 and 1000") }
        self.sku = sku
        self.quantity = quantity
    }
}

public enum ReservationStatus: String, Sendable, Equatable, CaseIterable {
    case held, released, committed, expired
}

/// Stock held for one order: all its lines or none. Held stock returns to the shelf when the reservation is
/// released or expires, and leaves it when the reservation is committed (the goods ship).
public struct Reservation: Sendable, Equatable {
    public let orderID: OrderReference
    /// Sorted by SKU, so that two requests for the same goods compare equal and locks are taken in one order.
    public let lines: [ReservationLine]
    public private(set) var status: ReservationStatus
    public let createdAt: Date
    public let expiresAt: Date

    public static let maximumLines = 100
    public static let lifetimes: ClosedRange<TimeInterval> = 60...86_400

    public init(orderID: OrderReference, lines: [ReservationLine], status: ReservationStatus = .held, createdAt: Date, expiresAt: Date) throws(ProductError) {
        guard (1...Self.maximumLines).contains(lines.count) else { throw .invalid(field: "lines", reason: "must have 1 to \(Self.maximumLines) lines") }
        guard Set(lines.map(\.sku)).count == lines.count else { throw .invalid(field: "lines", reason: "each SKU may appear once") }
        guard expiresAt > createdAt else { throw .invalid(field: "ttlSeconds", reason: "must be positive") }
        self.orderID = orderID
        self.lines = lines.sorted { $0.sku < $1.sku }
        self.status = status
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// Whether a repeated request asks for exactly these goods (then it is the same reservation).
    public func holdsSameGoods(as lines: [ReservationLine]) -> Bool {
        self.lines == lines.sorted { $0.sku < $1.sku }
    }

    public func isOverdue(at now: Date) -> Bool { status == .held && now >= expiresAt }

    /// The status after `step`, or why the step is not possible. Repeating the step that led here is allowed.
    public func transition(to next: ReservationStatus, at now: Date) throws(ProductError) -> ReservationStatus {
        if status == next { return next }
        guard status == .held else { throw .reservationNotHeld(status) }
        if next == .committed, isOverdue(at: now) { throw .reservationNotHeld(.expired) }
        return next
    }
}
