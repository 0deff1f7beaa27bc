import Foundation
import Logging
import OrderApplication
import OrderDomain
import OrderInfrastructure
import SQLKit
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// Fakes of the other contexts whose answers the tests control. Like the real ones, every call is idempotent per order.
final class FakeContexts: CartContents, StockReservations, FreightBooking {
    let cartLines = Mutex<[CartLineSnapshot]>([])
    let cartDown = Mutex(false)
    let reserveFailures = Mutex<[StepFailure]>([])
    let freightFailures = Mutex<[any Error]>([])
    let releaseFailures = Mutex<[StepFailure]>([])
    /// Runs inside the next booking, after it is made: what a customer does while the checkout is under way.
    let duringNextBooking = Mutex<(@Sendable () async -> Void)?>(nil)
    let reserved = Mutex<Set<OrderID>>([])
    let released = Mutex<Set<OrderID>>([])
    let committed = Mutex<Set<OrderID>>([])
    let bookings = Mutex<[OrderID: String]>([:])

    func lines(ofCustomer customer: String, token: String) async throws -> [CartLineSnapshot] {
        if cartDown.withLock({ $0 }) { throw OrderError.cartUnavailable }
        return cartLines.withLock { $0 }
    }

    func reserve(_ order: OrderID, lines: [OrderLine]) async throws(StepFailure) {
        if let failure = reserveFailures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
        _ = reserved.withLock { $0.insert(order) }
    }

    func release(_ order: OrderID) async throws(StepFailure) -> StockRelease {
        if let failure = releaseFailures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
        if committed.withLock({ $0.contains(order) }) { return .alreadyCommitted }
        _ = released.withLock { $0.insert(order) }
        return .released
    }
    func commit(_ order: OrderID) async throws(StepFailure) { _ = committed.withLock { $0.insert(order) } }

    func book(_ order: OrderID, from origin: String, to destination: String, arrivalDeadline: Date) async throws(StepFailure) -> String {
        let tracking = bookings.withLock { bookings in
            if let known = bookings[order] { return known }
            let id = String(format: "%08X", bookings.count + 1)
            bookings[order] = id
            return id
        }
        if let during = duringNextBooking.withLock({ hook in defer { hook = nil }; return hook }) { await during() }
        if let failure = freightFailures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            if let step = failure as? StepFailure { throw step }
            // Any other error stands for a crash after the booking was made but before the step was recorded.
            throw StepFailure.transient("interrupted: \(failure)")
        }
        return tracking
    }
}

@Suite struct CheckoutTests {
    let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
    let fakes = FakeContexts()

    struct Fixture {
        let store: SQLiteStore
        let orders: SQLOrderRepository
        let place: PlaceOrder
        let checkout: RunCheckout
        let recordFreight: RecordFreight
        let cancel: CancelOrder
    }

    func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        let store = try await SQLiteStore.open(path: nil, logger: Logger(label: "test"))
        try await OrderSchema.migrator.migrate(store, logger: Logger(label: "test"))
        let orders = SQLOrderRepository(store: store, ids: SequentialIdentifiers())
        fakes.cartLines.withLock {
            $0 = [CartLineSnapshot(sku: "AUD-1", name: "Headphones", unitPrice: Money(minorUnits: 12900, currency: Currency("EUR")!), quantity: 2, available: true)]
        }
        try await body(Fixture(
            store: store, orders: orders, place: PlaceOrder(orders: orders, cart: fakes, clock: clock, ids: SequentialIdentifiers()),
            checkout: RunCheckout(orders: orders, stock: fakes, freight: fakes, clock: clock, warehouse: "CNHKG", maximumAttempts: 4),
            recordFreight: RecordFreight(orders: orders, clock: clock), cancel: CancelOrder(orders: orders, clock: clock)
        ))
        try await store.close()
    }

    func address() throws -> ShippingAddress {
        try ShippingAddress(name: "Ada", street: "Storgatan 1", city: "Stockholm", postalCode: "111 22", country: "SE", destination: "SESTO")
    }

    func outboxTypes(_ store: SQLiteStore) async throws -> [String] {
        try await store.read { database in
            try await database.raw("SELECT type FROM outbox ORDER BY sequence").all().map { try $0.decode(column: "type", as: String.self) }
        }
    }

    @Test func anIdempotencyKeyPlacesOneOrderEvenUnderConcurrency() async throws {
        try await withFixture { fixture in
            let first = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k-1", address: try address(), request: "A")
            #expect(first.created)
            let again = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k-1", address: try address(), request: "A")
            #expect(!again.created && again.order.id == first.order.id)
            await #expect(throws: OrderError.idempotencyKeyReused) {
                try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k-1", address: try address(), request: "B")
            }
            let place = fixture.place, shipping = try address()
            let ids = try await withThrowingTaskGroup(of: OrderID.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k-2", address: shipping, request: "A").order.id }
                }
                return try await group.reduce(into: Set<OrderID>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
            #expect(try await fixture.orders.orders(matching: OrderFilter(customer: "u1"), page: PageRequest()).items.count == 2)
            fakes.cartLines.withLock { $0 = [] }
            await #expect(throws: OrderError.emptyCart) {
                try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k-3", address: try address(), request: "A")
            }
        }
    }

    @Test func aRepeatedRequestGetsItsOrderBackWhateverBecameOfTheCart() async throws {
        try await withFixture { fixture in
            let first = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k-1", address: try address(), request: "A")
            func again(_ request: String = "A") async throws -> (order: Order, created: Bool) {
                try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k-1", address: try address(), request: request)
            }
            fakes.cartLines.withLock { $0 = $0.map { CartLineSnapshot(sku: $0.sku, name: $0.name, unitPrice: $0.unitPrice, quantity: $0.quantity, available: false) } }
            #expect(try await again().order.id == first.order.id, "its own order took the last units")
            fakes.cartLines.withLock { $0 = [] }
            #expect(try await again().order.id == first.order.id, "the order emptied the cart")
            await #expect(throws: OrderError.idempotencyKeyReused) { try await again("B") }
            fakes.cartDown.withLock { $0 = true }
            let whileCartDown = try await again()
            #expect(whileCartDown.order.id == first.order.id && !whileCartDown.created)
            await #expect(throws: OrderError.cartUnavailable) {
                try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k-2", address: try address(), request: "A")
            }
            #expect(try await fixture.orders.orders(matching: OrderFilter(customer: "u1"), page: PageRequest()).items.count == 1)
        }
    }

    @Test func checkoutReservesConfirmsBooksFreightAndShipsRetryingTransientFailures() async throws {
        try await withFixture { fixture in
            let placed = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k", address: try address(), request: "A").order
            fakes.freightFailures.withLock { $0 = [StepFailure.transient("cargo-service unavailable"), CancellationError()] }
            try await fixture.checkout.advanceDue()
            #expect(try await fixture.orders.order(placed.id)?.status == .confirmed)
            #expect(try await fixture.checkout.advanceDue() == 0, "the retry waits for its backoff")
            clock.advance(by: 5)
            try await fixture.checkout.advanceDue()
            #expect(try await fixture.orders.order(placed.id)?.status == .confirmed)
            clock.advance(by: 5)
            try await fixture.checkout.advanceDue()
            let shipped = try #require(try await fixture.orders.order(placed.id))
            #expect(shipped.status == .shipped)
            #expect(shipped.trackingID == "00000001", "an interrupted booking is the same booking when repeated")
            #expect(fakes.committed.withLock { $0 } == [placed.id])
            #expect(try await outboxTypes(fixture.store) == ["OrderPlaced", "OrderConfirmed", "OrderShipped"])

            try await fixture.recordFreight.execute(.init(trackingID: "00000001", transport: .onboardCarrier, location: "CNHKG", misdirected: nil,
                                                                 claimed: false), eventID: "e1", eventType: "CargoHandled")
            #expect(try await fixture.orders.order(placed.id)?.status == .inTransit)
            try await fixture.recordFreight.execute(.init(trackingID: "00000001", transport: nil, location: "AUMEL", misdirected: true,
                                                                 claimed: false), eventID: "e2", eventType: "CargoMisdirected")
            let misdirected = try #require(try await fixture.orders.order(placed.id))
            #expect(misdirected.freight == FreightStatus(transport: .onboardCarrier, lastLocation: "AUMEL", misdirected: true))
            // The same event delivered again changes nothing.
            try await fixture.recordFreight.execute(.init(trackingID: "00000001", transport: .onboardCarrier, location: "CNHKG", misdirected: nil,
                                                                 claimed: false), eventID: "e1", eventType: "CargoHandled")
            #expect(try await fixture.orders.order(placed.id)?.freight?.lastLocation == "AUMEL")
            try await fixture.recordFreight.execute(.init(trackingID: "00000001", transport: .claimed, location: "SESTO", misdirected: false,
                                                                 claimed: true), eventID: "e3", eventType: "CargoClaimed")
            #expect(try await fixture.orders.order(placed.id)?.status == .delivered)
            #expect(try await outboxTypes(fixture.store).last == "OrderDelivered")
        }
    }

    @Test func aCheckoutThatNeverWaitsStoresTheShippedOrderInOneSave() async throws {
        try await withFixture { fixture in
            let placed = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k", address: try address(), request: "A").order
            let stored = try #require(try await fixture.orders.order(placed.id))
            #expect(try await fixture.checkout.advanceDue() == 1)
            let shipped = try #require(try await fixture.orders.order(placed.id))
            #expect(shipped.status == .shipped)
            #expect(shipped.version == stored.version + 1, "reserving, confirming, booking and shipping are stored together")
            #expect(try await outboxTypes(fixture.store) == ["OrderPlaced", "OrderConfirmed", "OrderShipped"])
            #expect(try await fixture.orders.process(placed.id)?.step == .done)
            #expect(fakes.reserved.withLock { $0 } == [placed.id] && fakes.committed.withLock { $0 } == [placed.id])
        }
    }

    @Test func aCancellationThatOvertakesTheShipmentGivesWayAndTheOrderShips() async throws {
        try await withFixture { fixture in
            let order = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k", address: try address(), request: "A").order
            let cancel = fixture.cancel
            // The customer cancels while the freight is being booked: the goods are committed before the checkout
            // stores the shipment, which then finds the order changed.
            fakes.duringNextBooking.withLock { $0 = { _ = try? await cancel.execute(order.id, by: Caller(subject: "u1", roles: ["customer"])) } }
            try await fixture.checkout.advanceDue()
            #expect(try await fixture.orders.order(order.id)?.status == .cancelled)
            #expect(fakes.committed.withLock { $0 } == [order.id])

            try await fixture.checkout.advanceDue()
            let shipped = try #require(try await fixture.orders.order(order.id))
            #expect(shipped.status == .shipped)
            #expect(shipped.trackingID == fakes.bookings.withLock { $0[order.id] })
            #expect(fakes.bookings.withLock { $0.count } == 1, "the cargo booked for the order carries it")
            #expect(fakes.released.withLock { $0 }.isEmpty)
            #expect(try await fixture.orders.process(order.id)?.step == .done)
            #expect(try await outboxTypes(fixture.store) == ["OrderPlaced", "OrderConfirmed", "OrderShipped"], "the cancellation was never announced")
            #expect(try await fixture.checkout.advanceDue() == 0)
        }
    }

    @Test func aCancellationThatOvertakesAWaitingBookingAnnouncesTheConfirmationOnce() async throws {
        try await withFixture { fixture in
            fakes.freightFailures.withLock { $0 = [StepFailure.transient("cargo-service unavailable")] }
            let order = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k", address: try address(), request: "A").order
            try await fixture.checkout.advanceDue()
            #expect(try await fixture.orders.order(order.id)?.status == .confirmed)
            let cancel = fixture.cancel
            fakes.duringNextBooking.withLock { $0 = { _ = try? await cancel.execute(order.id, by: Caller(subject: "u1", roles: ["customer"])) } }
            clock.advance(by: 60)
            try await fixture.checkout.advanceDue()
            try await fixture.checkout.advanceDue()
            #expect(try await fixture.orders.order(order.id)?.status == .shipped)
            #expect(try await outboxTypes(fixture.store) == ["OrderPlaced", "OrderConfirmed", "OrderShipped"])
        }
    }

    @Test func aReleaseRefusedForGoodEndsTheProcessInsteadOfRetryingIt() async throws {
        try await withFixture { fixture in
            fakes.freightFailures.withLock { $0 = [StepFailure.transient("cargo-service unavailable")] }
            let order = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k", address: try address(), request: "A").order
            try await fixture.checkout.advanceDue()
            _ = try await fixture.cancel.execute(order.id, by: Caller(subject: "u1", roles: ["customer"]))

            fakes.releaseFailures.withLock { $0 = Array(repeating: .permanent("the reservation is expired"), count: 3) }
            try await fixture.checkout.advanceDue()
            #expect(fakes.releaseFailures.withLock { $0.count } == 2, "a release refused for good is not asked again")
            #expect(fakes.released.withLock { $0 }.isEmpty)
            let process = try #require(try await fixture.orders.process(order.id))
            #expect(process.step == .done)
            #expect(process.failure?.hasSuffix("the stock was not released: the reservation is expired") == true)
            #expect(try await fixture.orders.order(order.id)?.status == .cancelled)
            #expect(try await outboxTypes(fixture.store) == ["OrderPlaced", "OrderConfirmed", "OrderCancelled"])
            #expect(try await fixture.checkout.advanceDue() == 0)
        }
    }

    @Test func aStepThatFailsForGoodCompensates() async throws {
        try await withFixture { fixture in
            fakes.reserveFailures.withLock { $0 = [.permanent("not enough stock for: AUD-1")] }
            let short = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k1", address: try address(), request: "A").order
            try await fixture.checkout.advanceDue()
            let failed = try #require(try await fixture.orders.order(short.id))
            #expect(failed.status == .failed)
            #expect(failed.failureReason == "not enough stock for: AUD-1")
            #expect(fakes.released.withLock { $0 }.isEmpty, "nothing was held")

            fakes.freightFailures.withLock { $0 = [StepFailure.permanent("no route to SESTO")] }
            let unroutable = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k2", address: try address(), request: "A").order
            try await fixture.checkout.advanceDue()
            let compensated = try #require(try await fixture.orders.order(unroutable.id))
            #expect(compensated.status == .failed)
            #expect(fakes.released.withLock { $0 } == [unroutable.id], "the reserved stock went back")

            fakes.reserveFailures.withLock { $0 = Array(repeating: .transient("product-service unavailable"), count: 10) }
            let stubborn = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k3", address: try address(), request: "A").order
            for _ in 0..<6 {
                try await fixture.checkout.advanceDue()
                clock.advance(by: 120)
            }
            #expect(try await fixture.orders.order(stubborn.id)?.status == .failed)
            #expect(try await fixture.orders.order(stubborn.id)?.failureReason?.hasPrefix("gave up after 4 attempts") == true)
        }
    }

    @Test func aCustomerCanCancelUntilShipmentAndTheStockGoesBack() async throws {
        try await withFixture { fixture in
            let order = try await fixture.place.execute(customer: "u1", customerToken: "t", idempotencyKey: "k", address: try address(), request: "A").order
            fakes.freightFailures.withLock { $0 = [StepFailure.transient("down")] }
            try await fixture.checkout.advanceDue()
            #expect(try await fixture.orders.order(order.id)?.status == .confirmed)
            await #expect(throws: OrderError.orderNotFound) { try await fixture.cancel.execute(order.id, by: Caller(subject: "someone-else", roles: ["customer"])) }
            #expect(try await fixture.cancel.execute(order.id, by: Caller(subject: "u1", roles: ["customer"])).status == .cancelled)
            try await fixture.checkout.advanceDue()
            #expect(fakes.released.withLock { $0 } == [order.id])
            #expect(try await fixture.orders.order(order.id)?.status == .cancelled)
            #expect(try await outboxTypes(fixture.store).last == "OrderCancelled")
            await #expect(throws: OrderError.transitionNotAllowed(from: .cancelled, to: .cancelled)) { try await fixture.cancel.execute(order.id, by: Caller(subject: "u1", roles: ["customer"])) }
        }
    }
}
