import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// A PostgreSQL connection for SQLKit that runs each statement as a named prepared statement, prepared once per
/// connection. PostgresKit sends every statement unnamed, so PostgreSQL parses, analyses and plans it on every
/// execution: about half of its CPU under the checkout load. With a name, it reuses the parse tree and, once it sees
/// the generic plan is as good, the plan.
///
/// A statement is named by its text and the types of its binds together, so one name always meets the same parameter
/// types. A statement with a bind that has no direct PostgreSQL encoding, and any statement after the first
/// `StatementNames.capacity` distinct ones, runs unnamed as before.
struct PreparedPostgresDatabase: SQLDatabase {
    let connection: PostgresConnection
    let unprepared: any SQLDatabase

    init(_ connection: PostgresConnection) {
        self.connection = connection
        self.unprepared = connection.sql()
    }

    var logger: Logger { unprepared.logger }
    var eventLoop: any EventLoop { unprepared.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { unprepared.version }
    var dialect: any SQLDialect { unprepared.dialect }
    var queryLogLevel: Logger.Level? { unprepared.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        unprepared.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        var bindings = PostgresBindings(capacity: binds.count)
        var types: [PostgresDataType] = []
        types.reserveCapacity(binds.count)
        for bind in binds {
            // Most binds are values, so the cast that finds them comes first (casting an optional unwraps it); only
            // a nil is left over for the second one.
            if let value = bind as? any PostgresThrowingDynamicTypeEncodable {
                try bindings.append(value, context: .default)
                types.append(value.psqlType)
            } else if let optional = bind as? any OptionalBind, optional.isNone {
                bindings.appendNull()
                types.append(type(of: optional).wrappedPostgresType ?? .null)
            } else {
                return try await unprepared.execute(sql: query, onRow)
            }
        }
        let signature = types.reduce(into: sql) { $0 += "|\($1.rawValue)" }
        guard let name = StatementNames.shared.name(for: signature) else { return try await unprepared.execute(sql: query, onRow) }
        if let queryLogLevel { logger.log(level: queryLogLevel, "Executing query", metadata: ["sql": .string(sql), "statement": .string(name)]) }
        do {
            try await RenderedStatement.$current.withValue(.init(name: name, sql: sql, bindingDataTypes: types)) {
                for try await row in try await connection.execute(RenderedStatement(bindings: bindings), logger: logger) {
                    onRow(DirectPostgresRow(row))
                }
            }
        } catch let error as PSQLError {
            // PostgresNIO keeps a failed preparation for the connection's life, and PostgreSQL refuses a cached plan
            // whose result columns a migration changed. Either way the name is spent: the next call takes a new one.
            if let state = error.serverInfo?[.sqlState], StatementNames.retiringStates.contains(where: state.hasPrefix) {
                StatementNames.shared.retire(signature)
            }
            throw error
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

/// PostgresNIO's prepared statements take their name and text from the statement's type, which suits statements
/// written out by hand. SQLKit renders statements at run time, so this one type stands for all of them and reads
/// the name, text and parameter types from the task-local `current`, which `execute` sets around the call.
/// PostgresNIO reads them when the call starts, and the text again only if it fails, both within that scope.
private struct RenderedStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        let name: String
        let sql: String
        /// Given, not left for PostgreSQL to infer: a bind's binary encoding must match its parameter's type exactly
        /// (an `Int` is sent as `int8`, which an inferred `int4` parameter would refuse). A nil is `unknown`.
        let bindingDataTypes: [PostgresDataType]
    }

    @TaskLocal static var current = Text(name: "", sql: "", bindingDataTypes: [])
    static var name: String { current.name }
    static var sql: String { current.sql }
    static var bindingDataTypes: [PostgresDataType] { current.bindingDataTypes }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// The names given to statements in this process, the same on every connection: `tw1`, `tw2`, … Numbering by
/// first use rather than hashing the text means two different statements can never share a name.
final class StatementNames: Sendable {
    static let shared = StatementNames()
    /// Enough for every statement the services write; a statement rendered with a varying number of binds (an `IN`
    /// list) takes one name per length. Past this many, statements run unnamed, so no input can grow the cache.
    static let capacity = 500
    /// SQLSTATE classes of errors that come from preparing a statement, not from its values: syntax and undefined
    /// objects (42), a plan that no longer fits (0A), an unknown statement (26).
    static let retiringStates = ["42", "0A", "26"]

    private struct Names {
        var bySignature: [String: String] = [:]
        var issued = 0
    }

    private let names = Mutex(Names())

    func name(for signature: String) -> String? {
        names.withLock { names in
            if let name = names.bySignature[signature] { return name }
            guard names.issued < Self.capacity else { return nil }
            names.issued += 1
            let name = "tw\(names.issued)"
            names.bySignature[signature] = name
            return name
        }
    }

    func retire(_ signature: String) {
        _ = names.withLock { $0.bySignature.removeValue(forKey: signature) }
    }
}

/// Tells a nil bind (of whatever wrapped type) from a value.
private protocol OptionalBind {
    var isNone: Bool { get }
    /// The PostgreSQL type of a value of the wrapped type, when the type says it: a nil is declared with it, as its
    /// values are, so that a statement is one prepared statement whichever of its binds are nil (a batch of rows
    /// would otherwise take a name for every pattern of nils).
    static var wrappedPostgresType: PostgresDataType? { get }
}

extension Optional: OptionalBind {
    var isNone: Bool { self == nil }
    static var wrappedPostgresType: PostgresDataType? { (Wrapped.self as? any PostgresEncodable.Type)?.psqlType }
}
