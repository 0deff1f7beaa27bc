import Crypto
import Foundation
import Hummingbird
import SQLKit
import TradewindKernel
import TradewindRuntime

/// Shopper sessions in the storefront's database, for hummingbird-auth's `SessionStorage`: every replica sees
/// every session, and a restart signs nobody out. A row is found by the SHA-256 of the session's key, so the
/// table alone opens no session. Expired rows are never answered and are swept by ``deleteExpired(at:)``.
public struct SQLSessionStore: PersistDriver {
    let store: any SQLStore
    let now: @Sendable () -> Date

    public init(store: any SQLStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    public static let migrator = Migrator([
        Migration(version: 1, name: "create shopper sessions") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            return [
                "CREATE TABLE shopper_sessions (key_hash TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at \(timestamp))",
                "CREATE INDEX shopper_sessions_expires_at ON shopper_sessions (expires_at)",
            ]
        },
    ])

    public func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let row = try Row(key: key, value: value, expires: expires, now: now())
        let inserted = try await store.transaction { database in
            // An expired row of the same key is no conflict.
            try await database.delete(from: "shopper_sessions").where("key_hash", .equal, row.keyHash).where("expires_at", .lessThan, row.now).run()
            return try await database.insert(into: "shopper_sessions").columns("key_hash", "value", "expires_at")
                .values(SQLBind(row.keyHash), SQLBind(row.value), SQLBind(row.expiresAt))
                .ignoringConflicts(with: ["key_hash"]).returning("key_hash").all()
        }
        if inserted.isEmpty { throw PersistError.duplicate }
    }

    public func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let row = try Row(key: key, value: value, expires: expires, now: now())
        try await store.transaction { database in
            try await database.insert(into: "shopper_sessions").columns("key_hash", "value", "expires_at")
                .values(SQLBind(row.keyHash), SQLBind(row.value), SQLBind(row.expiresAt))
                .onConflict(with: ["key_hash"]) { $0.set(excludedValueOf: "value").set(excludedValueOf: "expires_at") }
                .run()
        }
    }

    public func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: type)?.object
    }

    public func getWithTTL<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        let at = now()
        let found = try await store.read { database in
            try await database.select().columns("value", "expires_at").from("shopper_sessions")
                .where("key_hash", .equal, Self.hash(key)).first()
        }
        guard let found else { return nil }
        let expiresAt = try found.decodeNil(column: "expires_at") ? nil : try found.decode(column: "expires_at", as: Date.self)
        if let expiresAt, expiresAt <= at { return nil }
        let object: Object
        do {
            object = try JSONDecoder().decode(Object.self, from: Data(try found.decode(column: "value", as: String.self).utf8))
        } catch {
            throw PersistError.invalidConversion
        }
        return (object, expiresAt.map { .seconds($0.timeIntervalSince(at)) })
    }

    public func remove(key: String) async throws {
        try await store.transaction { database in
            try await database.delete(from: "shopper_sessions").where("key_hash", .equal, Self.hash(key)).run()
        }
    }

    /// Deletes the sessions that expired before `date`; answers how many.
    public func deleteExpired(at date: Date) async throws -> Int {
        try await store.transaction { database in
            try await database.delete(from: "shopper_sessions").where("expires_at", .lessThan, date).returning("key_hash").all().count
        }
    }

    static func hash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).hexDigits
    }

    private struct Row {
        let keyHash: String
        let value: String
        let expiresAt: Date?
        let now: Date

        init(key: String, value: some Encodable, expires: Duration?, now: Date) throws {
            keyHash = SQLSessionStore.hash(key)
            self.value = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
            expiresAt = expires.map { now.addingTimeInterval(TimeInterval($0.components.seconds)) }
            self.now = now
        }
    }
}
