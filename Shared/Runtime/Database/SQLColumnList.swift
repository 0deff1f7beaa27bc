import SQLKit

/// Column names as the SQL text of a comma-separated list of quoted identifiers, rendered once. A hot statement
/// names the same columns on every call, and SQLKit escapes every identifier again each time it serializes one,
/// through the standard library's generic `replacing`: a few percent of a service's CPU at hundreds of statements a
/// second. Both of Tradewind's dialects quote identifiers with `"`; `SQLColumnListTests` holds the text to SQLKit's.
public struct SQLColumnList: SQLExpression {
    public let names: [String]
    let text: String

    /// `table` qualifies each column (`"orders"."id"`), for statements that join tables sharing column names.
    public init(_ names: [String], table: String? = nil) {
        self.names = names
        let qualifier = table.map { Self.quoted($0) + "." } ?? ""
        self.text = names.map { qualifier + Self.quoted($0) }.joined(separator: ", ")
    }

    public func serialize(to serializer: inout SQLSerializer) {
        serializer.write(text)
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
