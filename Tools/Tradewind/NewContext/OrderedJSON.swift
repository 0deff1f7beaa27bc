import Yams

/// A JSON file edited as data without reordering it: parsed by Yams (JSON is YAML, and Yams keeps the order of
/// keys), changed as a `Node`, and written back in the layout of `json.dumps(indent=2)`, the layout the route table
/// is kept in, so that an edit shows in a diff as the lines it added.
enum OrderedJSON {
    static func parse(_ text: String, file: String) throws(ContextGenerationError) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else { throw ContextGenerationError.unreadableFile(file, "it is empty") }
            return node
        } catch let error as ContextGenerationError {
            throw error
        } catch {
            throw .unreadableFile(file, "not valid JSON: \(error)")
        }
    }

    static func render(_ node: Node) -> String { render(node, indent: "") + "\n" }

    private static func render(_ node: Node, indent: String) -> String {
        let inner = indent + "  "
        switch node {
        case .mapping(let mapping):
            guard !mapping.isEmpty else { return "{}" }
            let members = mapping.map { key, value in inner + quoted(key.string ?? "") + ": " + render(value, indent: inner) }
            return "{\n" + members.joined(separator: ",\n") + "\n" + indent + "}"
        case .sequence(let sequence):
            guard !sequence.isEmpty else { return "[]" }
            return "[\n" + sequence.map { inner + render($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .scalar(let scalar):
            return scalar.style == .plain ? scalar.string : quoted(scalar.string)
        case .alias:
            return "null"
        }
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    static func string(_ text: String) -> Node { Node(text, Tag(.str), .doubleQuoted) }
    static func number(_ value: Int) -> Node { Node(String(value), Tag(.int), .plain) }
    static func object(_ members: [(String, Node)]) -> Node {
        .mapping(Node.Mapping(members.map { (string($0.0), $0.1) }))
    }
}
