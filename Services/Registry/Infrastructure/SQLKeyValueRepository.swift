import Foundation
import RegistryDomain
import SQLKit
import TradewindRuntime

/// The key/value store in SQL; the same statements run on SQLite and PostgreSQL. Values are stored as base64 text,
/// flags as the bit pattern of a signed 64-bit number.
public struct SQLKeyValueRepository: KeyValueRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func currentIndex() async throws -> UInt64 {
        try await store.read { database in try await Self.state("index", in: database) }
    }

    public func lastDeleteIndex() async throws -> UInt64 {
        try await store.read { database in try await Self.state("deleted", in: database) }
    }

    public func entry(_ key: String) async throws -> KeyValueEntry? {
        try await store.read { database in try await Self.entry(key, in: database) }
    }

    public func entries(withPrefix prefix: String) async throws -> [KeyValueEntry] {
        try await store.read { database in try await Self.entries(withPrefix: prefix, in: database) }
    }

    public func put(_ key: String, value: [UInt8], flags: UInt64, if condition: CheckAndSet?) async throws -> Bool {
        try await store.transaction { database in
            let current = try await Self.entry(key, in: database)
            if let condition, !condition.admits(current) { return false }
            let index = try await Self.nextIndex(in: database)
            let encoded = Data(value).base64EncodedString(), storedFlags = Int64(bitPattern: flags)
            if current == nil {
                try await database.insert(into: "kv_entries").columns("key", "value", "flags", "create_index", "modify_index")
                    .values(SQLBind(key), SQLBind(encoded), SQLBind(storedFlags), SQLBind(Int64(index)), SQLBind(Int64(index))).run()
            } else {
                try await database.update("kv_entries").set("value", to: SQLBind(encoded)).set("flags", to: SQLBind(storedFlags))
                    .set("modify_index", to: SQLBind(Int64(index))).where("key", .equal, key).run()
            }
            return true
        }
    }

    public func delete(_ key: String, recursive: Bool, if condition: CheckAndSet?) async throws -> Bool {
        try await store.transaction { database in
            if recursive {
                guard try await !Self.entries(withPrefix: key, in: database).isEmpty else { return true }
            } else {
                let current = try await Self.entry(key, in: database)
                if let condition, condition.index == 0 || !condition.admits(current) { return false }
                guard current != nil else { return true }
            }
            let index = try await Self.nextIndex(in: database)
            try await database.update("kv_state").set("value", to: SQLBind(Int64(index))).where("name", .equal, "deleted").run()
            var deletion = database.delete(from: "kv_entries")
            deletion = recursive ? Self.keys(startingWith: key, in: deletion) : deletion.where("key", .equal, key)
            try await deletion.run()
            return true
        }
    }

    /// Takes the next index of the store, atomically.
    static func nextIndex(in database: any SQLDatabase) async throws -> UInt64 {
        let row = try await database.raw("UPDATE kv_state SET value = value + 1 WHERE name = 'index' RETURNING value").first()
        guard let value = try row?.decode(column: "value", as: Int64.self) else { throw StoredKeyValueError(detail: "the kv_state row 'index' is missing") }
        return UInt64(value)
    }

    static func state(_ name: String, in database: any SQLDatabase) async throws -> UInt64 {
        let row = try await database.select().column("value").from("kv_state").where("name", .equal, name).first()
        guard let value = try row?.decode(column: "value", as: Int64.self) else { throw StoredKeyValueError(detail: "the kv_state row '\(name)' is missing") }
        return UInt64(value)
    }

    static func entry(_ key: String, in database: any SQLDatabase) async throws -> KeyValueEntry? {
        try await database.select().column("*").from("kv_entries").where("key", .equal, key).first().map(Self.entry)
    }

    /// In byte order of the keys, whatever the database's collation.
    static func entries(withPrefix prefix: String, in database: any SQLDatabase) async throws -> [KeyValueEntry] {
        let query = Self.keys(startingWith: prefix, in: database.select().column("*").from("kv_entries"))
        return try await query.all().map(Self.entry).sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    /// `substr` rather than `LIKE`, whose `%` and `_` a key may hold; both count characters the same way.
    static func keys<Builder: SQLPredicateBuilder>(startingWith prefix: String, in builder: Builder) -> Builder {
        guard !prefix.isEmpty else { return builder }
        return builder.where(SQLRaw("substr(key, 1, \(prefix.unicodeScalars.count))"), .equal, SQLBind(prefix))
    }

    static func entry(_ row: any SQLRow) throws -> KeyValueEntry {
        let key = try row.decode(column: "key", as: String.self)
        guard let value = Data(base64Encoded: try row.decode(column: "value", as: String.self)) else {
            throw StoredKeyValueError(detail: "the value of '\(key)' is not base64")
        }
        return KeyValueEntry(
            key: key, value: Array(value), flags: UInt64(bitPattern: try row.decode(column: "flags", as: Int64.self)),
            createIndex: UInt64(try row.decode(column: "create_index", as: Int64.self)),
            modifyIndex: UInt64(try row.decode(column: "modify_index", as: Int64.self))
        )
    }
}

/// A row of the store that was changed by hand.
struct StoredKeyValueError: Error, CustomStringConvertible {
    let detail: String
    var description: String { detail }
}
