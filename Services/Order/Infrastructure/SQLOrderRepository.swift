import Foundation
import OrderApplication
import OrderDomain
import SQLKit
import TradewindKernel
import TradewindRuntime

/// Orders, their checkout processes, idempotency keys and outgoing events in SQL: each change is one transaction,
/// shared by the changes made at the same time (`SQLOrderRepository+Batches.swift`).
public struct SQLOrderRepository: OrderRepository {
    let store: any SQLStore
    let ids: any IdentifierGenerator
    private let placements: CallBatcher<PendingPlacement, Result<Void, any Error>>
    private let saves: CallBatcher<PendingSave, Result<Order, any Error>>

    let changes: LocalOrderChanges?

    /// With `changes`, every change stored is announced there once committed.
    public init(store: any SQLStore, ids: any IdentifierGenerator, announcingTo changes: LocalOrderChanges? = nil) {
        self.store = store
        self.ids = ids
        self.changes = changes
        saves = CallBatcher(maximumBatch: 64, operation: "save orders (batch)") { batch in
            let results = await Self.save(batch, in: store)
            changes?.announce(zip(batch, results).compactMap { save, result in (try? result.get()) == nil ? nil : save.order.id })
            return results
        }
        placements = CallBatcher(maximumBatch: 64, operation: "place orders (batch)") { batch in await Self.place(batch, in: store) }
    }

    public func place(_ order: Order, idempotencyKey: String, requestHash: String, process: CheckoutProcess, events: [OrderEvent]) async throws {
        let placement = PendingPlacement(order: order, idempotencyKey: idempotencyKey, requestHash: requestHash, lines: try Self.json(order.lines),
                                         address: try Self.json(order.address), process: Self.tracing(process),
                                         events: try integrationEvents(events, at: order.createdAt))
        try await placements.call(placement).get()
    }

    public func order(customer: String, idempotencyKey key: String) async throws -> (Order, requestHash: String)? {
        try await store.read { database in
            try await database.select().columns(Self.columns + ["request"]).from("orders")
                .where("customer", .equal, customer).where("idempotency_key", .equal, key).first()
        }.map { (try Self.decode($0), try $0.decode(column: "request", as: String.self)) }
    }

    public func order(_ id: OrderID) async throws -> Order? {
        try await store.read { database in
            try await database.select().column(Self.columnList).from("orders").where("id", .equal, id.description).first()
        }.map(Self.decode)
    }

    public func order(trackingID: String) async throws -> Order? {
        try await store.read { database in
            try await database.select().column(Self.columnList).from("orders").where("tracking_id", .equal, trackingID).first()
        }.map(Self.decode)
    }

    public func orders(matching filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        let after = try page.cursor.map { encoded in
            guard let cursor = KeysetCursor(encoded: encoded), let id = OrderID(cursor.lastID) else { throw OrderError.invalid("the cursor is not one this service issued") }
            return id.description
        }
        let rows = try await store.read { database in
            var select = database.select().column(Self.columnList).from("orders")
            if let customer = filter.customer { select = select.where("customer", .equal, customer) }
            if let status = filter.status { select = select.where("status", .equal, status.rawValue) }
            if let after {
                select = select.where(SQLQueryString("(created_at, id) < (SELECT created_at, id FROM orders WHERE id = \(bind: after))"))
            }
            return try await select.orderBy("created_at", .descending).orderBy("id", .descending).limit(page.limit + 1).all()
        }
        let orders = try rows.prefix(page.limit).map(Self.decode)
        return Page(items: orders, nextCursor: rows.count > page.limit ? orders.last.map { KeysetCursor(lastID: $0.id.description).encoded } : nil)
    }

    @discardableResult
    public func save(_ order: Order, process: CheckoutProcess?, events: [OrderEvent]) async throws -> Order {
        let save = PendingSave(order: order, freight: try order.freight.map { try Self.json($0) }, process: process.map(Self.tracing),
                               events: try integrationEvents(events, at: order.updatedAt))
        return try await saves.call(save).get()
    }

    public func save(_ order: Order, consuming eventID: String, eventType: String, events: [OrderEvent]) async throws -> Bool {
        let outgoing = try integrationEvents(events, at: order.updatedAt)
        let freight = try order.freight.map { try Self.json($0) }
        let stored = try await store.transaction { database in
            guard try await Inbox.recordFirstDelivery(ofEvent: eventID, type: eventType, in: database, at: order.updatedAt) else { return false }
            let updated = try await database.update("orders")
                .set("status", to: order.status.rawValue).set("freight", to: freight)
                .set("updated_at", to: order.updatedAt).set("version", to: order.version + 1)
                .where("id", .equal, order.id.description).where("version", .equal, order.version)
                .returning("id").all()
            guard !updated.isEmpty else { throw OrderError.concurrentUpdate }
            for event in outgoing { try await Outbox.append(event, in: database) }
            return true
        }
        if stored { changes?.announce([order.id]) }
        return stored
    }

    public func process(_ id: OrderID) async throws -> CheckoutProcess? {
        try await store.read { database in
            try await database.select().column(Self.processColumnList).from("checkout_processes")
                .where("order_id", .equal, id.description).first()
        }.map(Self.decodeProcess)
    }

    public func dueCheckouts(at now: Date, limit: Int, startingNew: Bool) async throws -> [(process: CheckoutProcess, order: Order)] {
        try await store.read { database in
            var query = database.select()
                .column(Self.qualifiedColumnLists.process).column(Self.qualifiedColumnLists.order)
                .from("checkout_processes")
                .join("orders", on: SQLColumn("id", table: "orders"), .equal, SQLColumn("order_id", table: "checkout_processes"))
                // Written as in the partial index's predicate, so that the planner can use the index.
                .where(SQLRaw("step <> 'done'")).where(SQLColumn("next_attempt_at", table: "checkout_processes"), .lessThanOrEqual, SQLBind(now))
            if !startingNew { query = query.where("step", .notEqual, CheckoutStep.reserveStock.rawValue) }
            return try await query.orderBy(SQLColumn("next_attempt_at", table: "checkout_processes")).limit(limit).all()
        }.map { row in (try Self.decodeProcess(row), try Self.decode(row)) }
    }

    // MARK: Rows

    static let columns = ["id", "customer", "lines", "address", "status", "failure_reason", "tracking_id", "freight", "created_at", "updated_at", "version"]

    static let processColumns = ["order_id", "step", "attempts", "next_attempt_at", "failure", "trace_context"]

    static let columnList = SQLColumnList(columns)
    static let processColumnList = SQLColumnList(processColumns)
    static let qualifiedColumnLists = (
        process: SQLColumnList(processColumns, table: "checkout_processes"), order: SQLColumnList(columns, table: "orders")
    )

    static func upsert(_ processes: [CheckoutProcess], in database: any SQLDatabase) async throws {
        guard !processes.isEmpty else { return }
        let insert = database.insert(into: "checkout_processes").columns(processColumns)
        for process in processes { insert.values(processRow(process)) }
        try await insert
            .onConflict(with: ["order_id"]) { update in
                // The trace stays the one the process started in.
                update.set(excludedValueOf: "step").set(excludedValueOf: "attempts").set(excludedValueOf: "next_attempt_at")
                    .set(excludedValueOf: "failure")
            }
            .run()
    }

    /// A process's values, in the order of ``processColumns``.
    static func processRow(_ process: CheckoutProcess) -> [any SQLExpression] {
        [SQLBind(process.order.description), SQLBind(process.step.rawValue), SQLBind(process.attempts), SQLBind(process.nextAttemptAt),
         SQLBind(process.failure), SQLBind(process.traceContext)]
    }

    static func decodeProcess(_ row: any SQLRow) throws -> CheckoutProcess {
        guard let id = OrderID(try row.decode(column: "order_id", as: String.self)),
              let step = CheckoutStep(rawValue: try row.decode(column: "step", as: String.self))
        else { throw StoredOrderError() }
        return CheckoutProcess(order: id, step: step, attempts: try row.decode(column: "attempts", as: Int.self),
                               nextAttemptAt: try row.decode(column: "next_attempt_at", as: Date.self),
                               failure: try row.decodeNil(column: "failure") ? nil : try row.decode(column: "failure", as: String.self),
                               traceContext: try row.decodeNil(column: "trace_context") ? nil : try row.decode(column: "trace_context", as: String.self))
    }

    static func decode(_ row: any SQLRow) throws -> Order {
        guard let id = OrderID(try row.decode(column: "id", as: String.self)),
              let status = OrderStatus(rawValue: try row.decode(column: "status", as: String.self))
        else { throw StoredOrderError() }
        let decoder = JSONDecoder()
        return try Order(
            id: id, customer: try row.decode(column: "customer", as: String.self),
            lines: try decoder.decode([OrderLine].self, from: Data(try row.decode(column: "lines", as: String.self).utf8)),
            address: try decoder.decode(ShippingAddress.self, from: Data(try row.decode(column: "address", as: String.self).utf8)),
            status: status,
            failureReason: try row.decodeNil(column: "failure_reason") ? nil : try row.decode(column: "failure_reason", as: String.self),
            trackingID: try row.decodeNil(column: "tracking_id") ? nil : try row.decode(column: "tracking_id", as: String.self),
            freight: try row.decodeNil(column: "freight") ? nil : try decoder.decode(FreightStatus.self, from: Data(try row.decode(column: "freight", as: String.self).utf8)),
            createdAt: try row.decode(column: "created_at", as: Date.self), updatedAt: try row.decode(column: "updated_at", as: Date.self),
            version: try row.decode(column: "version", as: Int.self)
        )
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func integrationEvents(_ events: [OrderEvent], at now: Date) throws -> [IntegrationEvent] {
        try events.map { try PublishedOrderEvents.integrationEvent($0, id: ids.makeUUID().lowercasedString, at: now) }
    }
}

struct StoredOrderError: Error, CustomStringConvertible {
    var description: String { "a stored order row cannot be read back" }
}
