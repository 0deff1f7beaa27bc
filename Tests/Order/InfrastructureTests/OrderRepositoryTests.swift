import Foundation
import Logging
import OrderApplication
import OrderDomain
import OrderInfrastructure
import SQLKit
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

@Suite struct OrderRepositoryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func order(_ number: Int, customer: String = "u1") throws -> Order {
        try Order(id: OrderID(rawValue: UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", number))!), customer: customer,
                  lines: [try OrderLine(sku: "A-1", name: "A", unitPrice: Money(minorUnits: 100, currency: Currency("EUR")!), quantity: 2)],
                  address: try ShippingAddress(name: "Ada", street: "S 1", city: "C", postalCode: "1", country: "SE", destination: "SESTO"),
                  createdAt: now.addingTimeInterval(Double(number)), updatedAt: now)
    }

    @Test(arguments: TestDatabases.available)
    func ordersKeysProcessesAndInboxOnBothDatabases(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await OrderSchema.migrator.migrate(store, logger: Logger(label: "test"))
            let repository = SQLOrderRepository(store: store, ids: SequentialIdentifiers())
            let first = try order(1)
            try await repository.place(first, idempotencyKey: "k", requestHash: "A", process: CheckoutProcess(order: first.id, nextAttemptAt: now), events: [.placed(first)])
            await #expect(throws: OrderError.idempotencyKeyReused) {
                try await repository.place(try order(2), idempotencyKey: "k", requestHash: "A", process: CheckoutProcess(order: try order(2).id, nextAttemptAt: now), events: [])
            }
            #expect(try await repository.order(customer: "u1", idempotencyKey: "k")?.requestHash == "A")
            #expect(try await repository.dueCheckouts(at: now, limit: 10, startingNew: true).map(\.process.order) == [first.id])
            let storedFirst = try #require(try await repository.order(first.id))
            #expect(try await repository.dueCheckouts(at: now, limit: 10, startingNew: true).map(\.order) == [storedFirst], "each with its order, as stored")
            #expect(try await repository.dueCheckouts(at: now, limit: 10, startingNew: false).isEmpty, "held: the new order waits")

            var changed = try #require(try await repository.order(first.id))
            _ = try changed.stockReserved(at: now)
            try await repository.save(changed, process: CheckoutProcess(order: first.id, step: .confirm, nextAttemptAt: now), events: [])
            await #expect(throws: OrderError.concurrentUpdate) { try await repository.save(changed, process: nil, events: []) }
            let stored = try #require(try await repository.order(first.id))
            #expect(stored.status == .stockReserved && stored.version == 2)
            #expect(try await repository.process(first.id)?.step == .confirm)
            #expect(try await repository.dueCheckouts(at: now, limit: 10, startingNew: false).map(\.process.order) == [first.id], "under way: it goes on")
            #expect(try await repository.dueCheckouts(at: now, limit: 10, startingNew: false).first?.order == stored)

            var shipped = stored
            _ = try shipped.confirm(at: now)
            _ = try shipped.ship(trackingID: "ABCD1234", at: now)
            try await repository.save(shipped, process: nil, events: [])
            var moved = try #require(try await repository.order(trackingID: "ABCD1234"))
            _ = moved.freightReported(FreightStatus(transport: .onboardCarrier, lastLocation: "CNHKG", misdirected: false), claimed: false, at: now)
            #expect(try await repository.save(moved, consuming: "event-1", eventType: "CargoHandled", events: []))
            #expect(try await repository.save(moved, consuming: "event-1", eventType: "CargoHandled", events: []) == false)
            #expect(try await repository.order(first.id)?.status == .inTransit)

            for number in 2...4 {
                let next = try order(number)
                try await repository.place(next, idempotencyKey: "k\(number)", requestHash: "A", process: CheckoutProcess(order: next.id, nextAttemptAt: now), events: [])
            }
            let other = try order(5, customer: "u2")
            try await repository.place(other, idempotencyKey: "k", requestHash: "A", process: CheckoutProcess(order: other.id, nextAttemptAt: now), events: [])
            let mine = OrderFilter(customer: "u1")
            let page = try await repository.orders(matching: mine, page: PageRequest(limit: 3))
            #expect(page.items.map { String($0.id.description.suffix(1)) } == ["4", "3", "2"])
            let rest = try await repository.orders(matching: mine, page: PageRequest(limit: 3, cursor: page.nextCursor))
            #expect(rest.items.map { String($0.id.description.suffix(1)) } == ["1"] && rest.nextCursor == nil)

            let pending = try await repository.orders(matching: OrderFilter(status: .pending), page: PageRequest(limit: 2))
            #expect(pending.items.map { String($0.id.description.suffix(1)) } == ["5", "4"])
            let morePending = try await repository.orders(matching: OrderFilter(status: .pending), page: PageRequest(limit: 2, cursor: pending.nextCursor))
            #expect(morePending.items.map { String($0.id.description.suffix(1)) } == ["3", "2"])
            #expect(try await repository.orders(matching: OrderFilter(status: .inTransit), page: PageRequest()).items.map(\.id) == [first.id])
            #expect(try await repository.orders(matching: OrderFilter(customer: "u2", status: .inTransit), page: PageRequest()).items.isEmpty)
            #expect(try await Outbox.backlog(in: store) == 1)
        }
    }

    /// The checkout saves many orders at once, and those saves share transactions: each still stands alone. A save
    /// of an order that changed since it was read fails with `concurrentUpdate` and writes nothing, not even its
    /// events; the others keep their process steps and events, each order's events in order.
    @Test(arguments: TestDatabases.available)
    func concurrentSavesEachStandAloneThoughTheyShareTransactions(_ kind: TestDatabases.Kind) async throws {
        let now = now
        try await TestDatabases.withStore(kind) { store in
            try await OrderSchema.migrator.migrate(store, logger: Logger(label: "test"))
            let repository = SQLOrderRepository(store: store, ids: SequentialIdentifiers())
            var stored: [Order] = []
            for number in 1...24 {
                let order = try order(number)
                try await repository.place(order, idempotencyKey: "k\(order.id)", requestHash: "A", process: CheckoutProcess(order: order.id, nextAttemptAt: now),
                                           events: [])
                stored.append(try #require(try await repository.order(order.id)))
            }
            let placed = stored
            let ship: @Sendable (Order) async throws -> Void = { order in
                var shipped = order
                let events = try shipped.stockReserved(at: now) + shipped.confirm(at: now) + shipped.ship(trackingID: "T\(order.id)", at: now)
                try await repository.save(shipped, process: CheckoutProcess(order: order.id, step: .done, nextAttemptAt: now), events: events)
            }
            try await ship(placed[0])
            // The other orders are confirmed and shipped at once, each in one save, while order 1 is cancelled from a
            // copy read before it shipped.
            let outcomes = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                for order in placed.dropFirst() {
                    group.addTask {
                        try await ship(order)
                        return ("ship \(order.id)", true)
                    }
                }
                group.addTask {
                    var cancelled = placed[0]
                    let events = try cancelled.cancel(at: now) + [.cancelled(placed[0].id)]
                    do {
                        try await repository.save(cancelled, process: CheckoutProcess(order: placed[0].id, step: .releaseStock, nextAttemptAt: now),
                                                  events: events)
                        return ("cancel", true)
                    } catch OrderError.concurrentUpdate {
                        return ("cancel", false)
                    }
                }
                var outcomes: [String: Bool] = [:]
                for try await (what, saved) in group { outcomes[what] = saved }
                return outcomes
            }
            #expect(outcomes.count == 24)
            #expect(outcomes["cancel"] == false, "the cancellation read the order before it shipped: it loses")
            for order in placed {
                let stored = try #require(try await repository.order(order.id))
                #expect(stored.status == .shipped && stored.version == 2 && stored.trackingID == "T\(order.id)")
                #expect(try await repository.process(order.id)?.step == .done)
            }
            let events = try await store.read { database in
                try await database.select().columns("aggregate_id", "type").from("outbox").orderBy("sequence").all()
            }.map { (try $0.decode(column: "aggregate_id", as: String.self), try $0.decode(column: "type", as: String.self)) }
            for order in placed {
                #expect(events.filter { $0.0 == order.id.description }.map(\.1) == ["OrderConfirmed", "OrderShipped"])
            }
            #expect(!events.contains { $0.1 == "OrderCancelled" }, "the failed save wrote none of its events")
        }
    }

    /// Two saves of the same order read at the same version, made at once, usually travel in one batch (on
    /// PostgreSQL, one statement): exactly one of them is stored, with its own process step and events, and the
    /// other fails with `concurrentUpdate` and writes nothing.
    @Test(arguments: TestDatabases.available)
    func twoSavesOfOneOrderAtOnceStoreOne(_ kind: TestDatabases.Kind) async throws {
        let now = now
        try await TestDatabases.withStore(kind) { store in
            try await OrderSchema.migrator.migrate(store, logger: Logger(label: "test"))
            let repository = SQLOrderRepository(store: store, ids: SequentialIdentifiers())
            var placed: [Order] = []
            for number in 1...12 {
                let order = try order(number)
                try await repository.place(order, idempotencyKey: "k\(number)", requestHash: "A", process: CheckoutProcess(order: order.id, nextAttemptAt: now),
                                           events: [])
                placed.append(try #require(try await repository.order(order.id)))
            }
            let orders = placed
            let winners = try await withThrowingTaskGroup(of: (OrderID, String?).self) { group in
                for order in orders {
                    group.addTask {
                        var confirmed = order
                        let events = try confirmed.stockReserved(at: now) + confirmed.confirm(at: now)
                        do {
                            try await repository.save(confirmed, process: CheckoutProcess(order: order.id, step: .bookFreight, nextAttemptAt: now), events: events)
                            return (order.id, "confirm")
                        } catch OrderError.concurrentUpdate { return (order.id, nil) }
                    }
                    group.addTask {
                        var cancelled = order
                        let events = try cancelled.cancel(at: now) + [.cancelled(order.id)]
                        do {
                            try await repository.save(cancelled, process: CheckoutProcess(order: order.id, step: .done, nextAttemptAt: now), events: events)
                            return (order.id, "cancel")
                        } catch OrderError.concurrentUpdate { return (order.id, nil) }
                    }
                }
                var winners: [OrderID: [String]] = [:]
                for try await (id, won) in group { winners[id, default: []] += won.map { [$0] } ?? [] }
                return winners
            }
            let events = try await store.read { database in
                try await database.select().columns("aggregate_id", "type").from("outbox").orderBy("sequence").all()
            }.map { (try $0.decode(column: "aggregate_id", as: String.self), try $0.decode(column: "type", as: String.self)) }
            for order in orders {
                let won = try #require(winners[order.id])
                #expect(won.count == 1, "one save of \(order.id) is stored: \(won)")
                let stored = try #require(try await repository.order(order.id))
                let types = events.filter { $0.0 == order.id.description }.map(\.1)
                #expect(stored.version == order.version + 1)
                if won == ["confirm"] {
                    #expect(stored.status == .confirmed && types == ["OrderConfirmed"])
                    #expect(try await repository.process(order.id)?.step == .bookFreight)
                } else {
                    #expect(stored.status == .cancelled && types == ["OrderCancelled"])
                    #expect(try await repository.process(order.id)?.step == .done)
                }
            }
        }
    }

    /// Customers ordering at the same time share transactions: each order is stored with its process and its
    /// OrderPlaced, except those whose customer's key another order took, which leave nothing behind.
    @Test(arguments: TestDatabases.available)
    func concurrentPlacementsEachStandAloneThoughTheyShareTransactions(_ kind: TestDatabases.Kind) async throws {
        let now = now
        try await TestDatabases.withStore(kind) { store in
            try await OrderSchema.migrator.migrate(store, logger: Logger(label: "test"))
            let repository = SQLOrderRepository(store: store, ids: SequentialIdentifiers())
            // The orders at indexes 1-19 have keys of their own; those at 0 and 20-22 share one.
            let orders = try (1...23).map { try order($0) }
            let placed = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for (index, order) in orders.enumerated() {
                    group.addTask {
                        do {
                            try await repository.place(order, idempotencyKey: index < 20 ? "k\(index)" : "k0", requestHash: "A",
                                                       process: CheckoutProcess(order: order.id, nextAttemptAt: now), events: [.placed(order)])
                            return (index, true)
                        } catch OrderError.idempotencyKeyReused {
                            return (index, false)
                        }
                    }
                }
                var placed: Set<Int> = []
                for try await (index, stored) in group where stored { placed.insert(index) }
                return placed
            }
            #expect(placed.count == 20)
            #expect(placed.isSuperset(of: 1..<20), "every order with a key of its own is stored")
            #expect(placed.intersection([0, 20, 21, 22]).count == 1, "of the orders sharing a key, one is stored")
            let due = try await repository.dueCheckouts(at: now, limit: 100, startingNew: true)
            #expect(Set(due.map(\.process.order)) == Set(placed.map { orders[$0].id }))
            #expect(due.allSatisfy { $0.order.id == $0.process.order })
            let events = try await store.read { database in
                try await database.select().columns("aggregate_id").from("outbox").where("type", .equal, "OrderPlaced").all()
            }.map { try $0.decode(column: "aggregate_id", as: String.self) }
            #expect(events.sorted() == placed.map { orders[$0].id.description }.sorted(), "one OrderPlaced for each stored order, none for the others")
        }
    }
}
