import Foundation
import ProductDomain
import SQLKit
import TradewindKernel
import TradewindRuntime

// On PostgreSQL a batch usually writes in one statement instead of a transaction of six round trips (BEGIN, the
// claims or the locked read, the lines, the stock, COMMIT): the checkout reserves and commits a few orders at a time,
// and those round trips were most of the product database's statements. A statement is atomic by itself, and the
// stock's CHECK constraints (never more reserved than on hand, never less than nothing) stand behind it: a batch in
// which one reservation does not fit fails whole, writes nothing, and goes the careful way, the transaction, which
// refuses that reservation alone. The stock rows are locked in SKU order, after the reservations, as the
// transaction does; should PostgreSQL still find two statements waiting on each other, it refuses one, which also
// goes the careful way. SQLite keeps the transactions: its statements cost no round trip.
extension SQLInventoryRepository {
    /// Reserves a batch of distinct orders in one statement: claims the orders, holds their lines and adds them to the
    /// stock. An order claimed before is answered from what it holds. `nil` when PostgreSQL refused the statement (a
    /// reservation that does not fit, an unknown SKU, a deadlock): nothing was written.
    func reserveInOneStatement(_ reservations: [Reservation]) async throws -> [OrderReference: Result<ReservationOutcome, ProductError>]? {
        let sorted = reservations.sorted { $0.orderID.description < $1.orderID.description }
        let claims = sorted.map { reservation -> [any SQLExpression] in
            [SQLBind(reservation.orderID.description), SQLBind(reservation.status.rawValue), SQLBind(reservation.createdAt),
             SQLBind(reservation.expiresAt)]
        }
        let lines = sorted.flatMap { reservation in
            reservation.lines.map { line -> [any SQLExpression] in
                [SQLBind(reservation.orderID.description), SQLBind(line.sku.value), SQLBind(line.quantity)]
            }
        }
        // The order id is the primary key: of two statements claiming one order, the second waits here for the first.
        let statement: SQLQueryString = """
            WITH claimed AS (
                INSERT INTO reservations (order_id, status, created_at, expires_at) VALUES \(Self.valueRows(claims))
                ON CONFLICT (order_id) DO NOTHING
                RETURNING order_id
            ),
            wanted AS MATERIALIZED (
                SELECT order_id, sku, quantity FROM (VALUES \(Self.valueRows(lines))) AS line (order_id, sku, quantity)
                WHERE order_id IN (SELECT order_id FROM claimed)
            ),
            locked AS MATERIALIZED (
                SELECT sku FROM stock WHERE sku IN (SELECT sku FROM wanted) ORDER BY sku FOR NO KEY UPDATE
            ),
            held AS (
                INSERT INTO reservation_lines (order_id, sku, quantity) SELECT order_id, sku, quantity FROM wanted
            ),
            taken AS (
                UPDATE stock SET reserved = stock.reserved + per_sku.quantity
                FROM (SELECT sku, SUM(quantity) AS quantity FROM wanted GROUP BY sku) AS per_sku
                WHERE stock.sku = per_sku.sku AND stock.sku IN (SELECT sku FROM locked)
            )
            SELECT order_id FROM claimed
            """
        let claimed: Set<String>
        do {
            claimed = Set(try await store.atomicStatement(statement).map { try $0.decode(column: "order_id", as: String.self) })
        } catch where PostgresStore.refusedStatement(error) {
            return nil
        }
        let repeats = reservations.filter { !claimed.contains($0.orderID.description) }
        let existing = repeats.isEmpty ? [:] : try await store.read { database in try await Self.load(repeats.map(\.orderID), in: database) }
        var results: [OrderReference: Result<ReservationOutcome, ProductError>] = [:]
        for reservation in reservations {
            if claimed.contains(reservation.orderID.description) {
                results[reservation.orderID] = .success(.created(reservation))
            } else if let current = existing[reservation.orderID] {
                results[reservation.orderID] = current.holdsSameGoods(as: reservation.lines) ? .success(.existing(current)) : .failure(.reservationMismatch)
            } else {
                results[reservation.orderID] = .failure(.reservationNotFound)
            }
        }
        return results
    }

    /// Finishes reservations with one read and one write: the domain decides from the read which move, and one
    /// statement moves those still held and gives back (or, committed, takes away) their stock. One moved by someone
    /// else in between is finished again the careful way. `nil` when PostgreSQL refused the write (a deadlock):
    /// nothing was written.
    func finishInOneWrite(_ orders: [OrderReference], as status: ReservationStatus, at now: Date) async throws -> [OrderReference: Result<Reservation, ProductError>]? {
        let current = try await store.read { database in try await Self.load(orders, in: database) }
        let decision = Self.decide(orders, current: current, moveTo: status, at: now)
        var results = decision.results
        guard !decision.moving.isEmpty else { return results }
        let statement: SQLQueryString = """
            WITH moved AS (
                UPDATE reservations SET status = \(bind: status.rawValue)
                WHERE order_id IN (\(binds: decision.moving.map(\.orderID.description))) AND status = \(bind: ReservationStatus.held.rawValue)
                RETURNING order_id
            ),
            per_sku AS MATERIALIZED (
                SELECT line.sku, SUM(line.quantity) AS quantity FROM reservation_lines AS line JOIN moved ON moved.order_id = line.order_id
                GROUP BY line.sku
            ),
            locked AS MATERIALIZED (
                SELECT sku FROM stock WHERE sku IN (SELECT sku FROM per_sku) ORDER BY sku FOR NO KEY UPDATE
            ),
            counted AS (
                UPDATE stock SET reserved = stock.reserved - per_sku.quantity,
                    on_hand = stock.on_hand - \(bind: status == .committed ? 1 : 0) * per_sku.quantity
                FROM per_sku WHERE stock.sku = per_sku.sku AND stock.sku IN (SELECT sku FROM locked)
            )
            SELECT order_id FROM moved
            """
        let moved: Set<String>
        do {
            moved = Set(try await store.atomicStatement(statement).map { try $0.decode(column: "order_id", as: String.self) })
        } catch where PostgresStore.refusedStatement(error) {
            return nil
        }
        var changedMeanwhile: [OrderReference] = []
        for reservation in decision.moving {
            if moved.contains(reservation.orderID.description) {
                results[reservation.orderID] = .success(try Self.reservation(reservation, movedTo: status))
            } else {
                changedMeanwhile.append(reservation.orderID)
            }
        }
        if !changedMeanwhile.isEmpty {
            results.merge(try await finishInTransaction(changedMeanwhile, as: status, at: now)) { _, again in again }
        }
        return results
    }

    static func valueRows(_ rows: [[any SQLExpression]]) -> any SQLExpression {
        SQLList(rows.map { SQLGroupExpression(SQLList($0)) })
    }
}
