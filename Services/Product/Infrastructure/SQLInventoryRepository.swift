import Foundation
import ProductDomain
import SQLKit
import TradewindKernel
import TradewindRuntime

/// Stock and reservations in SQL, a batch of orders per transaction (on PostgreSQL, usually per statement: see
/// `SQLInventoryRepository+OneStatement.swift`). Reserving never oversells: a batch locks the stock rows it needs
/// (PostgreSQL: `FOR NO KEY UPDATE`, which makes a concurrent batch wait for the committed values; SQLite runs
/// writers one at a time) and hands out what is available one reservation after another. Locks are always taken
/// orders first, then stock rows, each in key order, so two transactions never wait on each other's rows in
/// opposite orders.
public struct SQLInventoryRepository: InventoryRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    /// Locks the rows a statement reads until the transaction ends. Not on SQLite, whose transactions run one at a time.
    var rowLock: SQLRaw? { store.dialect == .postgres ? SQLRaw("FOR NO KEY UPDATE") : nil }

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

    public func reserve(_ reservations: [Reservation]) async throws -> [Result<ReservationOutcome, ProductError>] {
        // An order asked for twice in one batch is tried once in this transaction; its repeats are answered after
        // it, from what the first one became, as if they had come in a later request.
        var results = [Result<ReservationOutcome, ProductError>?](repeating: nil, count: reservations.count)
        var seen = Set<OrderReference>()
        var firsts: [Int] = [], repeats: [Int] = []
        for (index, reservation) in reservations.enumerated() {
            if seen.insert(reservation.orderID).inserted { firsts.append(index) } else { repeats.append(index) }
        }
        guard !firsts.isEmpty else { return [] }
        let batch = firsts.map { reservations[$0] }
        let outcomes: [OrderReference: Result<ReservationOutcome, ProductError>]
        if store.dialect == .postgres, let done = try await reserveInOneStatement(batch) {
            outcomes = done
        } else {
            outcomes = try await store.transaction { database in try await reserveOnce(batch, in: database) }
        }
        for index in firsts { results[index] = outcomes[reservations[index].orderID] }
        if !repeats.isEmpty {
            for (index, outcome) in zip(repeats, try await reserve(repeats.map { reservations[$0] })) { results[index] = outcome }
        }
        return results.map { $0! }
    }

    /// Reserves `reservations` (one per order) in one transaction. The stock rows are locked once for the whole batch,
    /// and each reservation takes what the ones before it left; one that does not fit is refused on its own.
    private func reserveOnce(_ reservations: [Reservation], in database: any SQLDatabase) async throws -> [OrderReference: Result<ReservationOutcome, ProductError>] {
        // The order id is the primary key: of two concurrent batches holding one order, the second stops here until the
        // first ends. Claimed in order-id order, so two batches never wait on each other's orders in opposite orders.
        var claim = database.insert(into: "reservations").columns("order_id", "status", "created_at", "expires_at")
        for reservation in reservations.sorted(by: { $0.orderID.description < $1.orderID.description }) {
            claim = claim.values(SQLBind(reservation.orderID.description), SQLBind(reservation.status.rawValue),
                                 SQLBind(reservation.createdAt), SQLBind(reservation.expiresAt))
        }
        let claimed = Set(try await claim.ignoringConflicts(with: ["order_id"]).returning("order_id").all()
            .map { try $0.decode(column: "order_id", as: String.self) })
        var results: [OrderReference: Result<ReservationOutcome, ProductError>] = [:]

        let repeats = reservations.filter { !claimed.contains($0.orderID.description) }
        let existing = try await Self.load(repeats.map(\.orderID), in: database)
        for reservation in repeats {
            guard let current = existing[reservation.orderID] else { results[reservation.orderID] = .failure(.reservationNotFound); continue }
            results[reservation.orderID] = current.holdsSameGoods(as: reservation.lines) ? .success(.existing(current)) : .failure(.reservationMismatch)
        }

        let fresh = reservations.filter { claimed.contains($0.orderID.description) }
        guard !fresh.isEmpty else { return results }
        // The stock rows last, in SKU order: a popular SKU's row stays locked only from here to the commit, and two
        // transactions never wait on each other's rows in opposite orders. SQLite runs one writer at a time anyway.
        let skus = Set(fresh.flatMap { $0.lines.map(\.sku.value) }).sorted()
        var available: [String: Int] = [:]
        for row in try await database.raw("""
            SELECT sku, on_hand - reserved AS available FROM stock WHERE sku IN (\(binds: skus)) ORDER BY sku \(rowLock ?? SQLRaw(""))
            """).all() {
            available[try row.decode(column: "sku", as: String.self)] = try row.decode(column: "available", as: Int.self)
        }
        var taken: [String: Int] = [:]
        var accepted: [Reservation] = []
        var refused: [String] = []
        for reservation in fresh {
            let short = reservation.lines.filter { available[$0.sku.value, default: 0] < $0.quantity }.map(\.sku.value)
            guard short.isEmpty else {
                refused.append(reservation.orderID.description)
                results[reservation.orderID] = .failure(.insufficientStock(short))
                continue
            }
            for line in reservation.lines {
                available[line.sku.value, default: 0] -= line.quantity
                taken[line.sku.value, default: 0] += line.quantity
            }
            accepted.append(reservation)
            results[reservation.orderID] = .success(.created(reservation))
        }
        if !refused.isEmpty {
            try await database.delete(from: "reservations").where("order_id", .in, refused).run()
        }
        if !accepted.isEmpty {
            var lines = database.insert(into: "reservation_lines").columns("order_id", "sku", "quantity")
            for reservation in accepted {
                for line in reservation.lines {
                    lines = lines.values(SQLBind(reservation.orderID.description), SQLBind(line.sku.value), SQLBind(line.quantity))
                }
            }
            try await lines.run()
            for (sku, quantity) in taken.sorted(by: { $0.key < $1.key }) {
                try await database.raw("UPDATE stock SET reserved = reserved + \(bind: quantity) WHERE sku = \(bind: sku)").run()
            }
        }
        return results
    }

    public func reservation(for order: OrderReference) async throws -> Reservation? {
        try await store.read { database in try await Self.load([order], in: database)[order] }
    }

    public func finish(_ orders: [OrderReference], as status: ReservationStatus, at now: Date) async throws -> [Result<Reservation, ProductError>] {
        guard !orders.isEmpty else { return [] }
        let outcomes = if store.dialect == .postgres, let done = try await finishInOneWrite(orders, as: status, at: now) {
            done
        } else {
            try await finishInTransaction(orders, as: status, at: now)
        }
        return orders.map { outcomes[$0]! }
    }

    /// Finishes the reservations in one transaction that locks them from the read on: only this transaction moves
    /// them out of `held`, so only it gives back or takes away their stock.
    func finishInTransaction(_ orders: [OrderReference], as status: ReservationStatus, at now: Date) async throws -> [OrderReference: Result<Reservation, ProductError>] {
        try await store.transaction { database in
            let current = try await Self.load(orders, in: database, locking: store.dialect == .postgres)
            let decision = Self.decide(orders, current: current, moveTo: status, at: now)
            var results = decision.results
            let moving = decision.moving
            guard !moving.isEmpty else { return results }
            try await database.update("reservations").set("status", to: status.rawValue)
                .where("order_id", .in, moving.map(\.orderID.description)).where("status", .equal, ReservationStatus.held.rawValue).run()
            var stockChanges: [String: (reserved: Int, shipped: Int)] = [:]
            for reservation in moving {
                for line in reservation.lines {
                    stockChanges[line.sku.value, default: (0, 0)].reserved += line.quantity
                    if status == .committed { stockChanges[line.sku.value, default: (0, 0)].shipped += line.quantity }
                }
                results[reservation.orderID] = .success(try Self.reservation(reservation, movedTo: status))
            }
            for (sku, change) in stockChanges.sorted(by: { $0.key < $1.key }) {
                try await database.raw("""
                    UPDATE stock SET reserved = reserved - \(bind: change.reserved), on_hand = on_hand - \(bind: change.shipped)
                    WHERE sku = \(bind: sku)
                    """).run()
            }
            return results
        }
    }

    /// What the domain says of finishing each of `orders`: the answers of those that do not move (already in
    /// `status`, refused, unknown), and the reservations that move, in order-id order.
    static func decide(_ orders: [OrderReference], current: [OrderReference: Reservation], moveTo status: ReservationStatus,
                       at now: Date) -> (results: [OrderReference: Result<Reservation, ProductError>], moving: [Reservation]) {
        var results: [OrderReference: Result<Reservation, ProductError>] = [:]
        var moving: [Reservation] = []
        for order in Set(orders).sorted(by: { $0.description < $1.description }) {
            guard let reservation = current[order] else { results[order] = .failure(.reservationNotFound); continue }
            switch Result(catching: { () throws(ProductError) in try reservation.transition(to: status, at: now) }) {
            case .success(reservation.status): results[order] = .success(reservation)
            case .success: moving.append(reservation)
            case .failure(let refusal): results[order] = .failure(refusal)
            }
        }
        return (results, moving)
    }

    public func expireOverdue(at now: Date) async throws -> Int {
        let overdue = try await store.read { database in
            try await database.select().column("order_id").from("reservations")
                .where("status", .equal, ReservationStatus.held.rawValue).where("expires_at", .lessThanOrEqual, now)
                .orderBy("expires_at").limit(500).all()
        }
        let orders = try overdue.compactMap { OrderReference(try $0.decode(column: "order_id", as: String.self)) }
        // Released or committed meanwhile: not this sweep's business any more.
        return try await finish(orders, as: .expired, at: now).count { (try? $0.get())?.status == .expired }
    }

    /// The reservations of those of `orders` that have one, with their lines, by order, in one query. `locking`
    /// (PostgreSQL) locks the reservations' rows, in order-id order, until the transaction ends.
    static func load(_ orders: [OrderReference], in database: any SQLDatabase, locking: Bool = false) async throws -> [OrderReference: Reservation] {
        guard !orders.isEmpty else { return [:] }
        let ids = Set(orders.map(\.description)).sorted()
        let rows = try await database.raw("""
            SELECT r.order_id, r.status, r.created_at, r.expires_at, l.sku, l.quantity
            FROM reservations AS r LEFT JOIN reservation_lines AS l ON l.order_id = r.order_id
            WHERE r.order_id IN (\(binds: ids)) ORDER BY r.order_id\(unsafeRaw: locking ? " FOR NO KEY UPDATE OF r" : "")
            """).all()
        var headers: [String: (status: ReservationStatus, createdAt: Date, expiresAt: Date)] = [:]
        var lines: [String: [ReservationLine]] = [:]
        for row in rows {
            let id = try row.decode(column: "order_id", as: String.self)
            if headers[id] == nil {
                guard let status = ReservationStatus(rawValue: try row.decode(column: "status", as: String.self)) else {
                    throw StoredDataError("reservations row with an unknown status")
                }
                headers[id] = (status, try row.decode(column: "created_at", as: Date.self), try row.decode(column: "expires_at", as: Date.self))
            }
            if let sku = try row.decode(column: "sku", as: String?.self) {
                lines[id, default: []].append(try ReservationLine(sku: try SKU(sku), quantity: try row.decode(column: "quantity", as: Int.self)))
            }
        }
        var reservations: [OrderReference: Reservation] = [:]
        for (id, header) in headers {
            guard let order = OrderReference(id) else { throw StoredDataError("reservations row with an order id that is not a UUID") }
            reservations[order] = try Reservation(
                orderID: order, lines: lines[id] ?? [], status: header.status, createdAt: header.createdAt, expiresAt: header.expiresAt
            )
        }
        return reservations
    }

    static func reservation(_ reservation: Reservation, movedTo status: ReservationStatus) throws -> Reservation {
        try Reservation(orderID: reservation.orderID, lines: reservation.lines, status: status, createdAt: reservation.createdAt,
                        expiresAt: reservation.expiresAt)
    }

    static func decodeStock(_ row: any SQLRow) throws -> StockLevel {
        StockLevel(
            sku: try SKU(row.decode(column: "sku", as: String.self)),
            onHand: try row.decode(column: "on_hand", as: Int.self), reserved: try row.decode(column: "reserved", as: Int.self)
        )
    }
}
