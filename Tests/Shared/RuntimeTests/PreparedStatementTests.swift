import Foundation
import SQLKit
import Testing
import TradewindRuntime
import TradewindTesting

/// Statements on PostgreSQL run as named prepared statements, prepared once per connection; the same statements on
/// SQLite show that the answers are the ones an unprepared statement gives.
@Suite struct PreparedStatementTests {
    struct Thing: Equatable {
        let id: String
        let count: Int
        let note: String?
        let flag: Bool
    }

    private func createThings(in store: any SQLStore) async throws {
        try await store.transaction { database in
            try await database.raw("CREATE TABLE things (id TEXT PRIMARY KEY, count INTEGER NOT NULL, note TEXT, flag BOOLEAN NOT NULL)").run()
        }
    }

    /// `table` gives a test statements of its own: statement names are shared by the whole process, and a test that
    /// makes a preparation fail retires the name of that statement text for every test running at the same time.
    private func things(in database: any SQLDatabase, table: String = "things", countAtLeast minimum: Int) async throws -> [Thing] {
        try await database.select().columns("id", "count", "note", "flag").from(table).where("count", .greaterThanOrEqual, minimum)
            .orderBy("id").all().map { row in
                Thing(id: try row.decode(column: "id", as: String.self), count: try row.decode(column: "count", as: Int.self),
                      note: try row.decode(column: "note", as: String?.self), flag: try row.decode(column: "flag", as: Bool.self))
            }
    }

    /// The same insert with a note and without one, `Int`s into an `INTEGER` column, then the same update and select:
    /// a statement's parameter types are the binds' own, so a name first prepared with a nil still takes a value.
    @Test(arguments: TestDatabases.available)
    func aStatementRunManyTimesAnswersAsItWouldOnce(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await createThings(in: store)
            var expected: [Thing] = []
            for index in 0..<12 {
                let thing = Thing(id: "t\(100 + index)", count: index, note: index.isMultiple(of: 3) ? nil : "note \(index)", flag: index.isMultiple(of: 2))
                expected.append(thing)
                try await store.transaction { database in
                    try await database.insert(into: "things").columns("id", "count", "note", "flag")
                        .values(SQLBind(thing.id), SQLBind(thing.count), SQLBind(thing.note), SQLBind(thing.flag)).run()
                }
            }
            for index in 0..<12 where index.isMultiple(of: 4) {
                let changed = try await store.transaction { database in
                    try await database.update("things").set("note", to: Optional<String>.none).set("count", to: index + 100)
                        .where("id", .equal, "t\(100 + index)").where("count", .equal, index).returning("id").all()
                }
                #expect(changed.count == 1)
                expected[index] = Thing(id: expected[index].id, count: index + 100, note: nil, flag: expected[index].flag)
            }
            for minimum in [0, 5, 100] {
                let found = try await store.read { database in try await things(in: database, countAtLeast: minimum) }
                #expect(found == expected.filter { $0.count >= minimum })
            }
        }
    }

    @Test func aStatementIsPreparedOnceAndItsPlanReused() async throws {
        guard TestDatabases.available.contains(.postgres) else { return }
        try await TestDatabases.withStore(.postgres) { store in
            try await createThings(in: store)
            let prepared = try await store.read { database in
                for minimum in 0..<6 { _ = try await things(in: database, countAtLeast: minimum) }
                return try await database.raw("SELECT statement, generic_plans + custom_plans AS plans FROM pg_prepared_statements").all()
            }
            let ours = try prepared.filter { try $0.decode(column: "statement", as: String.self).contains("\"things\"") }
            #expect(ours.count == 1, "one statement for six runs of the same select")
            #expect(try ours.first?.decode(column: "plans", as: Int.self) == 6)
        }
    }

    /// A nil is declared with its wrapped type, as a value is: the same insert with a note and without one is one
    /// prepared statement, not one per pattern of nils (a batch of rows would have 2^n).
    @Test func aStatementWithANilIsTheSamePreparedStatement() async throws {
        guard TestDatabases.available.contains(.postgres) else { return }
        try await TestDatabases.withStore(.postgres) { store in
            let prepared = try await store.read { database in
                try await database.raw("CREATE TABLE noted_things (id TEXT PRIMARY KEY, count INTEGER NOT NULL, note TEXT, flag BOOLEAN NOT NULL)").run()
                for index in 0..<4 {
                    try await database.insert(into: "noted_things").columns("id", "count", "note", "flag")
                        .values(SQLBind("n\(index)"), SQLBind(index), SQLBind(index.isMultiple(of: 2) ? nil : "note"), SQLBind(true)).run()
                }
                return try await database.raw("SELECT statement FROM pg_prepared_statements").all()
            }
            let inserts = try prepared.filter { try $0.decode(column: "statement", as: String.self).contains("INSERT INTO \"noted_things\"") }
            #expect(inserts.count == 1)
            let notes = try await store.read { database in
                try await database.raw("SELECT note FROM noted_things ORDER BY id").all().map { try $0.decode(column: "note", as: String?.self) }
            }
            #expect(notes == [nil, "note", nil, "note"])
        }
    }

    /// PostgresNIO remembers a failed preparation for the connection's life; the statement takes a new name instead.
    @Test func aStatementThatFailedToPrepareRunsOnceItsTableExists() async throws {
        guard TestDatabases.available.contains(.postgres) else { return }
        try await TestDatabases.withStore(.postgres) { store in
            let found = try await store.read { database in
                await #expect(throws: (any Error).self) { try await things(in: database, table: "late_things", countAtLeast: 0) }
                try await database.raw("CREATE TABLE late_things (id TEXT PRIMARY KEY, count INTEGER NOT NULL, note TEXT, flag BOOLEAN NOT NULL)").run()
                return try await things(in: database, table: "late_things", countAtLeast: 0)
            }
            #expect(found.isEmpty)
        }
    }

    struct Dimensions: Codable, Equatable {
        let width: Int
        let unit: String
    }

    /// Rows of prepared statements let a cell decode itself; what PostgresKit's rows reinterpret (an enum as text, a
    /// `numeric` as `Double` or `Decimal`) and what only `Codable` decodes (a `jsonb` document) still come out as they
    /// did through PostgresKit.
    @Test func aRowDecodesEveryKindOfColumnAsPostgresKitsRowsDid() async throws {
        guard TestDatabases.available.contains(.postgres) else { return }
        try await TestDatabases.withStore(.postgres) { store in
            let id = UUID(uuidString: "0B7C6F5E-2D1A-4C3B-9E8F-7A6B5C4D3E2F")!
            let at = Date(timeIntervalSince1970: 1_800_000_000.25)
            let row = try await store.read { database in
                try await database.raw("CREATE TYPE shade AS ENUM ('light', 'dark')").run()
                return try await database.raw("""
                    SELECT \(bind: "text") AS text, \(bind: 42) AS count, \(bind: true) AS flag, \(bind: at) AS at, \(bind: id) AS id,
                        NULL::text AS nothing, 12.75::numeric AS amount, 'dark'::shade AS shade,
                        '{"width": 3, "unit": "cm"}'::jsonb AS dimensions
                    """).first()
            }
            let found = try #require(row)
            #expect(try found.decode(column: "text", as: String.self) == "text")
            #expect(try found.decode(column: "count", as: Int.self) == 42)
            #expect(try found.decode(column: "flag", as: Bool.self))
            #expect(try found.decode(column: "at", as: Date.self) == at)
            #expect(try found.decode(column: "id", as: UUID.self) == id)
            #expect(try found.decode(column: "nothing", as: String?.self) == nil)
            #expect(try found.decodeNil(column: "nothing"))
            #expect(try !found.decodeNil(column: "text"))
            #expect(try found.decode(column: "amount", as: Double.self) == 12.75)
            #expect(try found.decode(column: "amount", as: Decimal.self) == Decimal(string: "12.75"))
            #expect(try found.decode(column: "shade", as: String.self) == "dark")
            #expect(try found.decode(column: "dimensions", as: Dimensions.self) == Dimensions(width: 3, unit: "cm"))
            #expect(found.contains(column: "shade"))
            #expect(!found.contains(column: "colour"))
            #expect(found.allColumns == ["text", "count", "flag", "at", "id", "nothing", "amount", "shade", "dimensions"])
            #expect(throws: (any Error).self) { try found.decode(column: "colour", as: String.self) }
            #expect(throws: (any Error).self) { try found.decode(column: "text", as: Int.self) }
        }
    }
}
