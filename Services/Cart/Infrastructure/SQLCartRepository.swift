import CartDomain
import Foundation
import SQLKit
import TradewindKernel
import TradewindRuntime

/// Carts in SQL, lines as a JSON document in the cart's row (a cart is always read and written whole).
/// One cart per owner is a UNIQUE constraint; updates compare the version.
public struct SQLCartRepository: CartRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func cart(of owner: CartOwner) async throws -> Cart? {
        let (kind, key) = Self.columns(of: owner)
        return try await store.read { database in
            try await database.select().column(Self.readColumns).from("carts")
                .where("owner_kind", .equal, kind).where("owner_key", .equal, key).first()
        }.map { try Self.cart(from: $0, owner: owner) }
    }

    public func carts(ofUsers users: [String]) async throws -> [String: Cart] {
        guard !users.isEmpty else { return [:] }
        let rows = try await store.read { database in
            try await database.select().column("owner_key").column(Self.readColumns).from("carts")
                .where("owner_kind", .equal, "user").where("owner_key", .in, Set(users).sorted()).all()
        }
        var carts: [String: Cart] = [:]
        for row in rows {
            let user = try row.decode(column: "owner_key", as: String.self)
            carts[user] = try Self.cart(from: row, owner: .user(user))
        }
        return carts
    }

    private static func cart(from row: any SQLRow, owner: CartOwner) throws -> Cart {
        guard let id = CartID(try row.decode(column: "id", as: String.self)) else { throw StoredCartError() }
        let lines = try JSONDecoder().decode([CartLine].self, from: Data(try row.decode(column: "lines", as: String.self).utf8))
        return Cart(id: id, owner: owner, lines: lines, updatedAt: try row.decode(column: "updated_at", as: Date.self),
                    version: try row.decode(column: "version", as: Int.self))
    }

    public func save(_ cart: Cart) async throws -> Cart {
        let (kind, key) = Self.columns(of: cart.owner)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let lines = String(decoding: try encoder.encode(cart.lines), as: UTF8.self)
        let stored = try await store.atomicStatement { database in
            if cart.version == 0 {
                return try await database.insert(into: "carts").columns("id", "owner_kind", "owner_key", "lines", "version", "updated_at")
                    .values(SQLBind(cart.id.description), SQLBind(kind), SQLBind(key), SQLBind(lines), SQLBind(1), SQLBind(cart.updatedAt))
                    .ignoringConflicts(with: ["owner_kind", "owner_key"])
                    .returning("id").all()
            }
            return try await database.update("carts")
                .set("lines", to: lines).set("version", to: cart.version + 1).set("updated_at", to: cart.updatedAt)
                .where("id", .equal, cart.id.description).where("version", .equal, cart.version)
                .returning("id").all()
        }
        guard !stored.isEmpty else { throw CartError.concurrentUpdate }
        return Cart(id: cart.id, owner: cart.owner, lines: cart.lines, updatedAt: cart.updatedAt, version: cart.version + 1)
    }

    public func delete(_ id: CartID) async throws {
        try await store.atomicStatement { database in try await database.delete(from: "carts").where("id", .equal, id.description).run() }
    }

    public func deleteCarts(_ deletions: [CartDeletion], at now: Date) async throws -> Set<String> {
        guard !deletions.isEmpty else { return [] }
        if store.dialect == .postgres { return try await deleteCartsInOneStatement(deletions, at: now) }
        return try await store.transaction { database in
            let firstTime = try await Inbox.recordFirstDeliveries(ofEvents: deletions.map { ($0.eventID, $0.eventType) }, in: database, at: now)
            let owners = Dictionary(grouping: deletions.filter { firstTime.contains($0.eventID) }.map { Self.columns(of: $0.owner) }, by: \.kind)
            for (kind, keys) in owners.sorted(by: { $0.key < $1.key }) {
                try await database.delete(from: "carts").where("owner_kind", .equal, kind).where("owner_key", .in, Set(keys.map(\.key)).sorted()).run()
            }
            return firstTime
        }
    }

    /// On PostgreSQL the inbox's record and the deletions are one statement, atomic without BEGIN and COMMIT: the
    /// carts deleted are those of the events recorded now, so a redelivered event deletes nothing.
    private func deleteCartsInOneStatement(_ deletions: [CartDeletion], at now: Date) async throws -> Set<String> {
        let rows = deletions.map { deletion -> any SQLExpression in
            let (kind, key) = Self.columns(of: deletion.owner)
            return SQLGroupExpression(SQLList([SQLBind(deletion.eventID), SQLBind(deletion.eventType), SQLBind(kind), SQLBind(key)]))
        }
        let statement: SQLQueryString = """
            WITH deliveries (event_id, type, owner_kind, owner_key) AS (VALUES \(SQLList(rows))),
            first_deliveries AS (
                INSERT INTO inbox (event_id, type, received_at)
                SELECT DISTINCT ON (event_id) event_id, type, \(bind: now) FROM deliveries
                ON CONFLICT (event_id) DO NOTHING
                RETURNING event_id
            ),
            emptied AS (
                DELETE FROM carts WHERE (owner_kind, owner_key) IN (
                    SELECT owner_kind, owner_key FROM deliveries WHERE event_id IN (SELECT event_id FROM first_deliveries)
                )
            )
            SELECT event_id FROM first_deliveries
            """
        return Set(try await store.atomicStatement(statement).map { try $0.decode(column: "event_id", as: String.self) })
    }

    public func deleteInactive(since cutoff: Date) async throws -> Int {
        try await store.transaction { database in
            try await database.delete(from: "carts").where("updated_at", .lessThan, cutoff).returning("id").all().count
        }
    }

    /// What reading a cart decodes.
    static let readColumns = SQLColumnList(["id", "lines", "version", "updated_at"])

    static func columns(of owner: CartOwner) -> (kind: String, key: String) {
        switch owner {
        case .user(let subject): ("user", subject)
        case .guest(let hash): ("guest", hash)
        }
    }
}

struct StoredCartError: Error, CustomStringConvertible {
    var description: String { "a carts row has a malformed id" }
}
