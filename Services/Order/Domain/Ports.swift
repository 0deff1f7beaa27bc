import Foundation
import TradewindKernel

/// A line of the customer's cart as the cart service shows it.
public struct CartLineSnapshot: Sendable, Equatable {
    public let sku: String
    public let name: String
    public let unitPrice: Money
    public let quantity: Int
    public let available: Bool

    public init(sku: String, name: String, unitPrice: Money, quantity: Int, available: Bool) {
        self.sku = sku
        self.name = name
        self.unitPrice = unitPrice
        self.quantity = quantity
        self.available = available
    }
}

/// Why a step of the checkout did not happen: worth another try later, or never going to work.
public enum StepFailure: Error, Equatable, Sendable {
    case transient(String)
    case permanent(String)
}

/// The customer's cart (the cart service): the customer is the subject of `token`, the access token the order was
/// placed with.
public protocol CartContents: Sendable {
    func lines(ofCustomer customer: String, token: String) async throws -> [CartLineSnapshot]
}

/// Stock held for an order (the product service). Every call is idempotent per order id.
public protocol StockReservations: Sendable {
    func reserve(_ order: OrderID, lines: [OrderLine]) async throws(StepFailure)
    func release(_ order: OrderID) async throws(StepFailure) -> StockRelease
    func commit(_ order: OrderID) async throws(StepFailure)
}

/// What giving an order's stock back found.
public enum StockRelease: Sendable, Equatable {
    /// The held stock is back on the shelf, or nothing was held.
    case released
    /// The reservation had been committed: the goods left with the freight before the release came.
    case alreadyCommitted
}

/// Freight for an order (the cargo service): booked and routed, idempotent per order id. Returns the tracking id.
public protocol FreightBooking: Sendable {
    func book(_ order: OrderID, from origin: String, to destination: String, arrivalDeadline: Date) async throws(StepFailure) -> String
}

/// Where the checkout stands for one order, persisted with the order so that a restarted service resumes it.
public enum CheckoutStep: String, Sendable, Equatable, CaseIterable {
    case reserveStock, confirm, bookFreight, releaseStock, done
}

public struct CheckoutProcess: Sendable, Equatable {
    public let order: OrderID
    public var step: CheckoutStep
    public var attempts: Int
    public var nextAttemptAt: Date
    /// Why the process is compensating, kept for the order's failure reason.
    public var failure: String?
    /// The trace of the request that placed the order (opaque to the checkout; kept with the process so that
    /// its steps, run later in the background, belong to the same trace).
    public var traceContext: String?

    public init(order: OrderID, step: CheckoutStep = .reserveStock, attempts: Int = 0, nextAttemptAt: Date, failure: String? = nil,
                traceContext: String? = nil) {
        self.order = order
        self.step = step
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.failure = failure
        self.traceContext = traceContext
    }
}

/// Runs around every advance of a checkout process (the composition root traces it); by default it just runs it.
public protocol CheckoutObserver: Sendable {
    func advancing(_ process: CheckoutProcess, _ advance: () async throws -> Bool) async throws -> Bool
}

public struct UnobservedCheckout: CheckoutObserver {
    public init() {}
    public func advancing(_ process: CheckoutProcess, _ advance: () async throws -> Bool) async throws -> Bool { try await advance() }
}

public protocol OrderRepository: Sendable {
    /// Stores a new order with its checkout process, its idempotency record and `events`, in one transaction.
    /// Another order of the same customer under the same key makes it fail with ``OrderError/idempotencyKeyReused``
    /// (the caller then reads the existing one).
    func place(_ order: Order, idempotencyKey: String, requestHash: String, process: CheckoutProcess, events: [OrderEvent]) async throws
    /// The order a customer placed under `key`, and the hash of the request that placed it.
    func order(customer: String, idempotencyKey key: String) async throws -> (Order, requestHash: String)?
    func order(_ id: OrderID) async throws -> Order?
    func order(trackingID: String) async throws -> Order?
    /// Orders matching `filter`, newest first.
    func orders(matching filter: OrderFilter, page: PageRequest) async throws -> Page<Order>
    /// Stores the changed order (optimistic version) with the process state and events, in one transaction, and
    /// gives back the order as stored (its version moved on). An order changed since it was read is not stored:
    /// ``OrderError/concurrentUpdate``.
    @discardableResult
    func save(_ order: Order, process: CheckoutProcess?, events: [OrderEvent]) async throws -> Order
    /// Stores the order changed by another context's event, recording the event's id in the same transaction;
    /// `false`, changing nothing, when that event had been handled before.
    func save(_ order: Order, consuming eventID: String, eventType: String, events: [OrderEvent]) async throws -> Bool
    func process(_ id: OrderID) async throws -> CheckoutProcess?
    /// Processes whose next attempt is due, oldest first, each with its order (read together, one read for a whole
    /// pass); without `startingNew`, only those past their first step (while new checkouts are held, orders that
    /// reserved nothing yet stay pending).
    func dueCheckouts(at now: Date, limit: Int, startingNew: Bool) async throws -> [(process: CheckoutProcess, order: Order)]
}

/// Word that orders were stored changed, for readers waiting for one to change (`GET /orders/{id}` with
/// `Prefer: wait`). The word travels within one process: a change stored by another replica of the service reaches a
/// waiting reader only when the reader looks at the order again.
public protocol OrderChanges: Sendable {
    /// Runs `body` while `order` is watched; `body` waits for the order's next change with the watch it is given.
    /// The watch begins before `body` looks at the order, so that a change stored after the look is not missed.
    func watching<T: Sendable>(_ order: OrderID, _ body: (OrderChangeWatch) async throws -> T) async throws -> T
}

/// One reader's watch on one order.
public struct OrderChangeWatch {
    public enum Outcome: Sendable, Equatable {
        /// Stored changed since the watch began or since the last wait returned.
        case changed
        /// No change was announced by the deadline (one stored by another replica would not have been).
        case timedOut
        /// The reader is cancelled or the service is stopping: answer now.
        case ended
    }

    private let next: (ContinuousClock.Instant) async -> Outcome

    public init(next: @escaping (ContinuousClock.Instant) async -> Outcome) { self.next = next }

    /// Waits for the watched order's next change, at most until `deadline`.
    public func nextChange(until deadline: ContinuousClock.Instant) async -> Outcome { await next(deadline) }
}

/// Which orders a listing holds: one customer's, those in one status, or both.
public struct OrderFilter: Sendable, Equatable {
    public var customer: String?
    public var status: OrderStatus?

    public init(customer: String? = nil, status: OrderStatus? = nil) {
        self.customer = customer
        self.status = status
    }
}
