import Foundation
import ProductDomain
import SQLKit
import TradewindKernel
import TradewindRuntime

/// Stock and reservations in SQL. Reserving never oversells because each line is one conditional update
/// (`reserved = reserved + q WHERE on_hand - reserved >= q`): on PostgreSQL the row lock makes a concurrent
/// transaction re-check the condition against the committed value, and SQLite runs writers one at a time.
/// Lines are updated in SKU order, so two reservations never wait on each other's rows in opposite orders.
public struct SQLInventoryRepository: InventoryRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func stock(of sku: SKU) async throws -> StockLevel? {
        try await store.read { database in
            try await database.select().columns("sku", "on_hand", "reserved").from("stock").where("sku", .equal, sku.value).first()
        }.map(Self.decodeStock)
    }

    public func stock(of skus: [SKU]) async throws -> [SKU: StockLevel] {
        guard !skus.isEmpty else { return [:] }
        let levels = try await store.read { database in
            try await database.select().columns("sku", "on_hand", "reserved").from("stock").where("sku", .in, skus.map(\.value)).all()
        }.map(Self.decodeStock)
        return Dictionary(levels.map { ($0.sku, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func setOnHand(_ onHand: Int, of sku: SKU) async throws -> StockLevel {
        let updated = try await store.transaction { database in
            try await database.raw("""
                UPDATE stock SET on_hand = \(bind: onHand) WHERE sku = \(bind: sku.value) AND reserved <= \(bind: onHand)
                RETURNING sku, on_hand, reserved
                """).first()
        }
        if let updated { return try Self.decodeStock(updated) }
        guard let current = try await stock(of: sku) else { throw ProductError.unknownSKU(sku.value) }
        throw ProductError.stockBelowReserved(reserved: current.reserved)
    }

    private struct AlreadyReserved: Error {}

    public func reserve(_ reservation: Reservation) async throws -> ReservationOutcome {
        do {
            return try await store.transaction { database in
                // The order id is the primary key: of two concurrent requests for one order, the second stops here.
                let claimed = try await database.insert(into: "reservations")
                    .columns("order_id", "status", "created_at", "expires_at")
                    .values(SQLBind(reservation.orderID.description), SQLBind(reservation.status.rawValue),
                            SQLBind(reservation.createdAt), SQLBind(reservation.expiresAt))
                    .ignoringConflicts(with: ["order_id"])
                    .returning("order_id")
                    .all()
                guard !claimed.isEmpty else { throw AlreadyReserved() }
                var lines = database.insert(into: "reservation_lines").columns("order_id", "sku", "quantity")
                for line in reservation.lines {
                    lines = lines.values(SQLBind(reservation.orderID.description), SQLBind(line.sku.value), SQLBind(line.quantity))
                }
                try await lines.run()
                // The stock rows last: a popular SKU's row stays locked only from its update to the commit, not
                // while the rest of the reservation is written.
                var short: [String] = []
                for line in reservation.lines {
                    let taken = try await database.raw("""
                        UPDATE stock SET reserved = reserved + \(bind: line.quantity)
                        WHERE sku = \(bind: line.sku.value) AND on_hand - reserved >= \(bind: line.quantity)
                        RETURNING sku
                        """).all()
                    if taken.isEmpty { short.append(line.sku.value) }
                }
                // Throwing rolls back every line already taken, and the reservation with them.
                guard short.isEmpty else { throw ProductError.insufficientStock(short) }
                return .created(reservation)
            }
        } catch is AlreadyReserved {
            guard let existing = try await self.reservation(for: reservation.orderID) else { throw ProductError.reservationNotFound }
            guard existing.holdsSameGoods(as: reservation.lines) else { throw ProductError.reservationMismatch }
            return .existing(existing)
        }
    }

    public func reservation(for order: OrderReference) async throws -> Reservation? {
        try await store.read { database in try await Self.load(order, in: database) }
    }

    public func finish(_ order: OrderReference, as status: ReservationStatus, at now: Date) async throws -> Reservation {
        try await store.transaction { database in
            guard let current = try await Self.load(order, in: database) else { throw ProductError.reservationNotFound }
            let next = try current.transition(to: status, at: now)
            if current.status == next { return current }
            // Only the transaction that moves the reservation out of `held` gives back or takes away its stock.
            let moved = try await database.raw("""
                UPDATE reservations SET status = \(bind: next.rawValue) WHERE order_id = \(bind: order.description) AND status = 'held'
                RETURNING order_id
                """).all()
            guard !moved.isEmpty else {
                guard let latest = try await Self.load(order, in: database) else { throw ProductError.reservationNotFound }
                if latest.status == next { return latest }
                throw ProductError.reservationNotHeld(latest.status)
            }
            for line in current.lines {
                let shipped = next == .committed ? line.quantity : 0
                try await database.raw("""
                    UPDATE stock SET reserved = reserved - \(bind: line.quantity), on_hand = on_hand - \(bind: shipped)
                    WHERE sku = \(bind: line.sku.value)
                    """).run()
            }
            return try Reservation(orderID: current.orderID, lines: current.lines, status: next, createdAt: current.createdAt, expiresAt: current.expiresAt)
        }
    }

    public func expireOverdue(at now: Date) async throws -> Int {
        let overdue = try await store.read { database in
            try await database.select().column("order_id").from("reservations")
                .where("status", .equal, ReservationStatus.held.rawValue).where("expires_at", .lessThanOrEqual, now)
                .orderBy("expires_at").limit(500).all()
        }
        var expired = 0
        for row in overdue {
            guard let order = OrderReference(try row.decode(column: "order_id", as: String.self)) else { continue }
            // Released or committed meanwhile: not this sweep's business any more.
            if (try? await finish(order, as: .expired, at: now))?.status == .expired { expired += 1 }
        }
        return expired
    }

    static func load(_ order: OrderReference, in database: any SQLDatabase) async throws -> Reservation? {
        guard let header = try await database.select().columns("order_id", "status", "created_at", "expires_at").from("reservations")
            .where("order_id", .equal, order.description).first()
        else { return nil }
        let lineRows = try await database.select().columns("sku", "quantity").from("reservation_lines")
            .where("order_id", .equal, order.description).all()
        guard let status = ReservationStatus(rawValue: try header.decode(column: "status", as: String.self)) else {
            throw StoredDataError("reservations row with an unknown status")
        }
        let lines = try lineRows.map { row in
            try ReservationLine(sku: try SKU(row.decode(column: "sku", as: String.self)), quantity: try row.decode(column: "quantity", as: Int.self))
        }
        return try Reservation(
            orderID: order, lines: lines, status: status,
            createdAt: try header.decode(column: "created_at", as: Date.self), expiresAt: try header.decode(column: "expires_at", as: Date.self)
        )
    }

    static func decodeStock(_ row: any SQLRow) throws -> StockLevel {
        StockLevel(
            sku: try SKU(row.decode(column: "sku", as: String.self)),
            onHand: try row.decode(column: "on_hand", as: Int.self), reserved: try row.decode(column: "reserved", as: Int.self)
        )
    }
}
