import SQLKit
import Testing
import TradewindRuntime
import TradewindTesting

/// A pre-rendered column list reads exactly as SQLKit renders the same columns, in each dialect, and runs.
@Suite struct SQLColumnListTests {
    @Test(arguments: TestDatabases.available)
    func theTextIsSQLKitsOwnForEachDialect(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            let names = ["id", "created_at", "odd \"name\""]
            try await store.transaction { database in
                func text(_ expression: any SQLExpression) -> String {
                    var serializer = SQLSerializer(database: database)
                    expression.serialize(to: &serializer)
                    return serializer.sql
                }
                #expect(text(SQLColumnList(names)) == text(SQLList(names.map { SQLIdentifier($0) })))
                #expect(text(SQLColumnList(names, table: "t")) == text(SQLList(names.map { SQLColumn($0, table: "t") })))

                _ = try await database.raw("CREATE TABLE t (id INTEGER, created_at TEXT, \"odd \"\"name\"\"\" TEXT)").all()
                _ = try await database.raw("INSERT INTO t (\(SQLColumnList(names))) VALUES (1, 'then', 'x')").all()
                let row = try #require(try await database.select().column(SQLColumnList(names, table: "t")).from("t").first())
                #expect(try row.decode(column: "odd \"name\"", as: String.self) == "x")
                #expect(try row.decode(column: "id", as: Int.self) == 1)
            }
        }
    }
}
