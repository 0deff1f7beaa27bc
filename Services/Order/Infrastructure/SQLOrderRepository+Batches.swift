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

    /// A new process takes the trace of the request being served, read here in the caller's task: the batch is
    /// written from another caller's.
    static func tracing(_ process: CheckoutProcess) -> CheckoutProcess {
        var process = process
        process.traceContext = process.traceContext ?? TraceContext.currentTraceparent()
        return process
    }
}
