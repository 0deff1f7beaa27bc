import Foundation
import OrderDomain
import SQLKit
import TradewindKernel
import TradewindRuntime

/// The order service's writes in batches: placements made at the same time (many customers ordering) share one
/// transaction, and so do saves (the checkout advances many orders at once). Each write still stands alone: one
/// that cannot be made fails on its own and leaves nothing behind.
extension SQLOrderRepository {
    /// A new order, ready to be written.
    struct PendingPlacement: Sendable {
        let order: Order
        let idempotencyKey: String
        let requestHash: String
        let lines: String
        let address: String
        let process: CheckoutProcess
        let events: [IntegrationEvent]
    }

    /// An order's change, ready to be written.
    struct PendingSave: Sendable {
        let order: Order
        let freight: String?
        let process: CheckoutProcess?
        let events: [IntegrationEvent]
    }

    /// Inserts a batch of new orders in one transaction, in (customer, key) order so that two batches wait on each
    /// other's keys in the same order. An order whose customer already used its key is not stored, and nothing of
    /// its own is: it fails alone with `idempotencyKeyReused`.
    static func place(_ batch: [PendingPlacement], in store: any SQLStore) async -> [Result<Void, any Error>] {
        if store.dialect == .postgres { return await placeInOneStatement(batch, in: store) }
        do {
            let inserted = try await store.transaction { database in
                let insert = database.insert(into: "orders")
                    .columns("id", "customer", "idempotency_key", "request", "lines", "address", "total_amount", "currency", "status",
                             "created_at", "updated_at", "version")
                for placement in batch.sorted(by: { ($0.order.customer, $0.idempotencyKey) < ($1.order.customer, $1.idempotencyKey) }) {
                    let order = placement.order
                    insert.values(SQLBind(order.id.description), SQLBind(order.customer), SQLBind(placement.idempotencyKey), SQLBind(placement.requestHash),
                                  SQLBind(placement.lines), SQLBind(placement.address), SQLBind(order.total.minorUnits),
                                  SQLBind(order.total.currency.code), SQLBind(order.status.rawValue), SQLBind(order.createdAt), SQLBind(order.updatedAt),
                                  SQLBind(1))
                }
                let inserted = Set(try await insert.ignoringConflicts(with: ["customer", "idempotency_key"]).returning("id").all()
                    .map { try $0.decode(column: "id", as: String.self) })
                let placed = batch.filter { inserted.contains($0.order.id.description) }
                try await upsert(placed.map(\.process), in: database)
                try await Outbox.append(placed.flatMap(\.events), in: database)
                return inserted
            }
            return batch.map { inserted.contains($0.order.id.description) ? .success(()) : .failure(OrderError.idempotencyKeyReused) }
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    /// Writes a batch of saves in one transaction, the orders in id order (so that two batches lock rows in the same
    /// order). A save whose order changed since it was read fails alone, with `concurrentUpdate`, and writes nothing
    /// of its own; a failure of the transaction fails them all.
    static func save(_ batch: [PendingSave], in store: any SQLStore) async -> [Result<Order, any Error>] {
        if store.dialect == .postgres { return await saveInOneStatement(batch, in: store) }
        do {
            let saved = try await store.transaction { database in
                var saved: Set<Int> = []
                for index in batch.indices.sorted(by: { batch[$0].order.id.description < batch[$1].order.id.description }) {
                    let order = batch[index].order
                    let updated = try await database.update("orders")
                        .set("status", to: order.status.rawValue).set("failure_reason", to: order.failureReason)
                        .set("tracking_id", to: order.trackingID).set("freight", to: batch[index].freight)
                        .set("updated_at", to: order.updatedAt).set("version", to: order.version + 1)
                        .where("id", .equal, order.id.description).where("version", .equal, order.version)
                        .returning("id").all()
                    if !updated.isEmpty { saved.insert(index) }
                }
                // An order saved twice in one batch is saved once: the second save finds the version moved on.
                let written = saved.sorted()
                try await upsert(written.compactMap { batch[$0].process }, in: database)
                try await Outbox.append(written.flatMap { batch[$0].events }, in: database)
                return saved
            }
            return batch.indices.map { saved.contains($0) ? .success(batch[$0].order.stored()) : .failure(OrderError.concurrentUpdate) }
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    // MARK: PostgreSQL: a batch in one statement

    // On PostgreSQL a batch is one statement: the orders' rows, then their processes and events in data-modifying
    // `WITH` clauses that write only for the orders written. A statement is atomic by itself, so a batch costs one
    // round trip instead of five (BEGIN, three writes, COMMIT); at 100 orders/s most batches hold one order, and
    // those round trips were most of the order database's statements. SQLite has no data-modifying `WITH`, and its
    // statements cost no round trip: it keeps the transaction above.

    /// Placements as one statement: `INSERT … ON CONFLICT DO NOTHING` stores the orders whose keys are free, and
    /// only those get their process and events.
    static func placeInOneStatement(_ batch: [PendingPlacement], in store: any SQLStore) async -> [Result<Void, any Error>] {
        guard !batch.isEmpty else { return [] }
        let sorted = batch.sorted { ($0.order.customer, $0.idempotencyKey) < ($1.order.customer, $1.idempotencyKey) }
        let orders = sorted.map { placement -> [any SQLExpression] in
            let order = placement.order
            return [SQLBind(order.id.description), SQLBind(order.customer), SQLBind(placement.idempotencyKey), SQLBind(placement.requestHash),
                    SQLBind(placement.lines), SQLBind(placement.address), SQLBind(order.total.minorUnits), SQLBind(order.total.currency.code),
                    SQLBind(order.status.rawValue), SQLBind(order.createdAt), SQLBind(order.updatedAt), SQLBind(1)]
        }
        let statement: SQLQueryString = """
            WITH written AS (
                INSERT INTO orders (id, customer, idempotency_key, request, lines, address, total_amount, currency, status, created_at, updated_at, version)
                VALUES \(valueRows(orders))
                ON CONFLICT (customer, idempotency_key) DO NOTHING
                RETURNING id
            )\(processesAndEvents(sorted.map(\.process), sorted.flatMap(\.events)))
            SELECT id FROM written
            """
        do {
            let inserted = Set(try await store.atomicStatement(statement).map { try $0.decode(column: "id", as: String.self) })
            return batch.map { inserted.contains($0.order.id.description) ? .success(()) : .failure(OrderError.idempotencyKeyReused) }
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    /// Saves as one statement: an `UPDATE … FROM` the batch's rows, where the version still matches; only the orders
    /// it updated get their process and events.
    static func saveInOneStatement(_ batch: [PendingSave], in store: any SQLStore) async -> [Result<Order, any Error>] {
        guard !batch.isEmpty else { return [] }
        // An order saved twice in one batch is saved once: its later saves fail as they would after the first.
        var firstSave: [String: Int] = [:]
        for index in batch.indices where firstSave[batch[index].order.id.description] == nil { firstSave[batch[index].order.id.description] = index }
        // In id order, so that two batches lock the rows they share in the same order.
        let written = firstSave.values.sorted { batch[$0].order.id.description < batch[$1].order.id.description }
        let changes = written.map { index -> [any SQLExpression] in
            let order = batch[index].order
            return [SQLBind(order.id.description), SQLBind(order.version), SQLBind(order.status.rawValue), SQLBind(order.failureReason),
                    SQLBind(order.trackingID), SQLBind(batch[index].freight), SQLBind(order.updatedAt)]
        }
        let statement: SQLQueryString = """
            WITH changes (id, version, status, failure_reason, tracking_id, freight, updated_at) AS (VALUES \(valueRows(changes))),
            written AS (
                UPDATE orders SET status = changes.status, failure_reason = changes.failure_reason, tracking_id = changes.tracking_id,
                    freight = changes.freight, updated_at = changes.updated_at, version = orders.version + 1
                FROM changes WHERE orders.id = changes.id AND orders.version = changes.version
                RETURNING orders.id
            )\(processesAndEvents(written.compactMap { batch[$0].process }, written.flatMap { batch[$0].events }))
            SELECT id FROM written
            """
        do {
            let saved = Set(try await store.atomicStatement(statement).map { try $0.decode(column: "id", as: String.self) })
            return batch.indices.map { index in
                let id = batch[index].order.id.description
                return firstSave[id] == index && saved.contains(id) ? .success(batch[index].order.stored()) : .failure(OrderError.concurrentUpdate)
            }
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    /// The `WITH` clauses that upsert the processes and append the events of the orders in `written`, the events in
    /// the order given (the outbox's sequence is their order of delivery).
    private static func processesAndEvents(_ processes: [CheckoutProcess], _ events: [IntegrationEvent]) -> SQLQueryString {
        var clauses: SQLQueryString = ""
        if !processes.isEmpty {
            clauses += """
                ,
                processes AS (
                    INSERT INTO checkout_processes (\(processColumnList))
                    SELECT \(processColumnList) FROM (VALUES \(valueRows(processes.map(processRow)))) AS p (\(processColumnList))
                    WHERE order_id IN (SELECT id FROM written)
                    -- The trace stays the one the process started in.
                    ON CONFLICT (order_id) DO UPDATE SET step = excluded.step, attempts = excluded.attempts,
                        next_attempt_at = excluded.next_attempt_at, failure = excluded.failure
                )
                """
        }
        if let events = Outbox.appendingClause(events, forAggregatesIn: "SELECT id FROM written") {
            clauses += ",\n" + events
        }
        return clauses
    }

    private static func valueRows(_ rows: [[any SQLExpression]]) -> any SQLExpression {
        SQLList(rows.map { SQLGroupExpression(SQLList($0)) })
    }

    /// A new process takes the trace of the request being served, read here in the caller's task: the batch is
    /// written from another caller's.
    static func tracing(_ process: CheckoutProcess) -> CheckoutProcess {
        var process = process
        process.traceContext = process.traceContext ?? TraceContext.currentTraceparent()
        return process
    }
}
