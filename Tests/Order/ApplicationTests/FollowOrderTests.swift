import Foundation
import Logging
import OrderApplication
import OrderDomain
import OrderInfrastructure
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// A reader waiting for an order to change: woken by the changes this process stores, looking again for those
/// another replica stores, and given the order as it stands when nothing changed in time.
@Suite struct FollowOrderTests {
    let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
    let fakes = FakeContexts()
    let customer = Caller(subject: "u1", roles: ["customer"])

    struct Fixture {
        /// This process's repository, announcing what it stores to `changes`.
        let orders: SQLOrderRepository
        /// Another replica's repository on the same database, whose changes nobody here hears of.
        let otherReplica: SQLOrderRepository
        let changes: LocalOrderChanges
        let order: Order
    }

    func withPlacedOrder(_ body: (Fixture) async throws -> Void) async throws {
        let store = try await SQLiteStore.open(path: nil, logger: Logger(label: "test"))
        try await OrderSchema.migrator.migrate(store, logger: Logger(label: "test"))
        let changes = LocalOrderChanges()
        let orders = SQLOrderRepository(store: store, ids: SequentialIdentifiers(), announcingTo: changes)
        fakes.cartLines.withLock {
            $0 = [CartLineSnapshot(sku: "AUD-1", name: "Headphones", unitPrice: Money(minorUnits: 12900, currency: Currency("EUR")!), quantity: 1, available: true)]
        }
        let address = try ShippingAddress(name: "Ada", street: "Storgatan 1", city: "Stockholm", postalCode: "111 22", country: "SE", destination: "SESTO")
        let placed = try await PlaceOrder(orders: orders, cart: fakes, clock: clock, ids: SequentialIdentifiers())
            .execute(customer: "u1", customerToken: "t", idempotencyKey: "k", address: address, request: "A").order
        let order = try #require(try await orders.order(placed.id))
        try await body(Fixture(orders: orders, otherReplica: SQLOrderRepository(store: store, ids: RandomIdentifierGenerator()), changes: changes, order: order))
        try await store.close()
    }

    /// Starts a reader waiting up to `wait` for the order to leave its current version; gives it time to begin.
    func startReader(_ view: ViewOrders, _ fixture: Fixture, wait: Duration) async throws -> Task<(Order, Duration), any Error> {
        let reader = Task { [customer] in
            let started = ContinuousClock.now
            let order = try await view.order(fixture.order.id, for: customer, changedFrom: [fixture.order.version], waitingAtMost: wait)
            return (order, started.duration(to: .now))
        }
        try await Task.sleep(for: .milliseconds(300))
        return reader
    }

    /// A change this process stores wakes the reader at once (it would not look again within the test); one another
    /// replica stores is seen when the reader looks again.
    @Test(arguments: [true, false]) func aStoredChangeEndsTheWait(storedByThisProcess: Bool) async throws {
        try await withPlacedOrder { fixture in
            let view = ViewOrders(orders: fixture.orders, changes: fixture.changes, lookAgainEvery: storedByThisProcess ? .seconds(60) : .milliseconds(500))
            let reader = try await startReader(view, fixture, wait: .seconds(30))
            _ = try await CancelOrder(orders: storedByThisProcess ? fixture.orders : fixture.otherReplica, clock: clock).execute(fixture.order.id, by: customer)
            let (order, waited) = try await reader.value
            #expect(order.status == .cancelled)
            #expect(order.version > fixture.order.version)
            #expect(waited >= .milliseconds(250) && waited < .seconds(5))
        }
    }

    @Test func withoutAChangeTheReaderGetsTheOrderAsItStandsAfterItsWait() async throws {
        try await withPlacedOrder { fixture in
            let view = ViewOrders(orders: fixture.orders, changes: fixture.changes, lookAgainEvery: .milliseconds(200))
            let started = ContinuousClock.now
            let order = try await view.order(fixture.order.id, for: customer, changedFrom: [fixture.order.version], waitingAtMost: .milliseconds(700))
            #expect(order == fixture.order)
            #expect(started.duration(to: .now) >= .milliseconds(650))
        }
    }

    @Test func anOrderPastTheVersionsSeenIsAnsweredAtOnce() async throws {
        try await withPlacedOrder { fixture in
            let view = ViewOrders(orders: fixture.orders, changes: fixture.changes)
            let started = ContinuousClock.now
            let order = try await view.order(fixture.order.id, for: customer, changedFrom: [fixture.order.version + 7], waitingAtMost: .seconds(30))
            #expect(order == fixture.order)
            #expect(started.duration(to: .now) < .seconds(2))
        }
    }

    @Test func anotherCustomersOrderIsNotFoundAndNotWaitedFor() async throws {
        try await withPlacedOrder { fixture in
            let view = ViewOrders(orders: fixture.orders, changes: fixture.changes)
            let started = ContinuousClock.now
            await #expect(throws: OrderError.orderNotFound) {
                try await view.order(fixture.order.id, for: Caller(subject: "u2", roles: ["customer"]), changedFrom: [fixture.order.version],
                                     waitingAtMost: .seconds(30))
            }
            #expect(started.duration(to: .now) < .seconds(2))
        }
    }

    @Test func aCancelledReaderStopsWaitingWithTheOrderAsItStands() async throws {
        try await withPlacedOrder { fixture in
            let view = ViewOrders(orders: fixture.orders, changes: fixture.changes, lookAgainEvery: .seconds(60))
            let reader = try await startReader(view, fixture, wait: .seconds(30))
            reader.cancel()
            let (order, waited) = try await reader.value
            #expect(order == fixture.order)
            #expect(waited < .seconds(5))
        }
    }
}
