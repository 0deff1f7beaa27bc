import Foundation
import Logging
import OrderApplication
import OrderDomain
import OrderInfrastructure
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
            #expect(try await repository.dueProcesses(at: now, limit: 10, startingNew: true).map(\.order) == [first.id])
            #expect(try await repository.dueProcesses(at: now, limit: 10, startingNew: false).isEmpty, "held: the new order waits")

            var changed = try #require(try await repository.order(first.id))
            _ = try changed.stockReserved(at: now)
            try await repository.save(changed, process: CheckoutProcess(order: first.id, step: .confirm, nextAttemptAt: now), events: [])
            await #expect(throws: OrderError.concurrentUpdate) { try await repository.save(changed, process: nil, events: []) }
            let stored = try #require(try await repository.order(first.id))
            #expect(stored.status == .stockReserved && stored.version == 2)
            #expect(try await repository.process(first.id)?.step == .confirm)
            #expect(try await repository.dueProcesses(at: now, limit: 10, startingNew: false).map(\.order) == [first.id], "under way: it goes on")

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
}
