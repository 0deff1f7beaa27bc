import Foundation
import PostgresKit
import PostgresNIO
import SQLKit

/// A PostgreSQL row for SQLKit that lets a column's cell decode itself when the type decodes straight from
/// PostgreSQL's encoding (`String`, `Int`, `Date`, `Bool`, `UUID` and their optionals: every column the services
/// read). PostgresKit's row takes the same path in the end, but first builds a coding path for the error it might
/// report (a text naming the column and its index), an empty user-info dictionary and an array of string types, on
/// every column of every row: under the checkout load that was about two thirds of the time the services spent
/// decoding rows. Everything else — other types, and the cells PostgresKit reinterprets (Fluent's enums, a
/// `Decimal` from text, a `Double` from `numeric`) — goes to PostgresKit's row as before.
struct DirectPostgresRow: SQLRow {
    let row: PostgresRow
    let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row
        self.cells = row.makeRandomAccess()
    }

    /// Made only for a column it decodes: making it indexes the row's columns again.
    private var fallback: some SQLRow { row.sql() }

    enum Failure: Error {
        case missingColumn(String)
    }

    var allColumns: [String] { cells.map(\.columnName) }

    func contains(column: String) -> Bool { cells.contains(column) }

    func decodeNil(column: String) throws -> Bool { !cells.contains(column) || cells[column].bytes == nil }

    func decode<T: Decodable>(column: String, as type: T.Type) throws -> T {
        guard cells.contains(column) else { throw Failure.missingColumn(column) }
        let cell = cells[column]
        guard !cell.dataType.isUserDefined, T.self != Decimal.self, T.self != Double.self,
              let decodable = T.self as? any PostgresDecodable.Type else {
            return try fallback.decode(column: column, as: T.self)
        }
        return try decodeDirectly(decodable, from: cell) as! T
    }

    private func decodeDirectly<Value: PostgresDecodable>(_ type: Value.Type, from cell: PostgresCell) throws -> Value {
        try cell.decode(Value.self, context: .default)
    }
}
