import Foundation

extension ContextScaffold {
    /// A list of names written on one line: the text before its first item, the text after its last one (empty:
    /// to the end of the line) and between two items. Quotes belong to these: `("a", "b")` is `("`, `")`, `", "`.
    struct InlineList {
        let opening: String
        let closing: String
        let separator: String

        static let shellLoop = InlineList(opening: "for service in ", closing: "; do", separator: " ")
        static let pythonSet = InlineList(opening: "{\"", closing: "\"}", separator: "\", \"")
        static let pythonTuple = InlineList(opening: "(\"", closing: "\")", separator: "\", \"")
        static let groovyList = InlineList(opening: "['", closing: "']", separator: "', '")
        static let nameAlternation = InlineList(opening: "name: (", closing: ")", separator: "|")
        static let dockerfileServices = InlineList(opening: "ARG SERVICES=\"", closing: "\"", separator: " ")
        static let dockerfileTargets = InlineList(opening: "# Targets: ", closing: ".", separator: ", ")
        static let readmeRegistryTokens = InlineList(opening: "| | `", closing: "` (optional)", separator: "`, `")
        static let readmeDatabaseSecrets = InlineList(opening: "(`", closing: "`)", separator: "`, `")
        static let readmePostgresInitKeys = InlineList(opening: "(dev only) | `", closing: "` |", separator: "`, `")
        static let readmeProductionSecrets = InlineList(opening: "# ... and ", closing: "", separator: ", ")
        static let readmeImageLoop = InlineList(opening: "for s in ", closing: "; do", separator: " ")
        static let readmeImages = InlineList(opening: "images=\"", closing: "\"", separator: " ")
        static let eventConsumers = InlineList(opening: "EVENT_CONSUMERS: \"", closing: "\"", separator: ",")
        static let composeServiceClients = InlineList(opening: "SERVICE_CLIENTS: ", closing: "", separator: ",")
        static let readmeServiceClients = InlineList(opening: "(`SERVICE_CLIENTS`): `", closing: "` |", separator: ",")
        static let readmeClientSecrets = InlineList(opening: "| | `", closing: "` | that service (`SERVICE_CLIENT_SECRET`)", separator: "`, `")
        static let readmeClientLoop = InlineList(opening: "for client in ", closing: "; do", separator: " ")
    }

    /// Adds `item` to every list of that shape that holds `model`, the service the new one is deployed like (to
    /// every list of that shape when nil), before `gateway` where the list has it (the gateway stays last), else at
    /// its end. Lists without `model` (another set of services, or not a list of services at all) are left alone.
    static func add(_ item: String, like model: String?, to list: InlineList, in text: String, file: String) throws(ContextGenerationError) -> String {
        var lines = text.components(separatedBy: "\n")
        var changed = false
        for index in lines.indices {
            let line = lines[index]
            guard let opening = line.range(of: list.opening) else { continue }
            let end: String.Index? = list.closing.isEmpty ? line.endIndex
                : line.range(of: list.closing, options: [], range: opening.upperBound..<line.endIndex)?.lowerBound
            guard let end else { continue }
            var items = line[opening.upperBound..<end].components(separatedBy: list.separator)
            if let model, !items.contains(model) { continue }
            guard !items.contains(item) else { throw .alreadyExists(item, "\(file) lists \(item) already") }
            items.insert(item, at: items.firstIndex(of: "gateway") ?? items.endIndex)
            lines[index] = String(line[..<opening.upperBound]) + items.joined(separator: list.separator) + String(line[end...])
            changed = true
        }
        guard changed else { throw .missingMarker(file: file, marker: "\(list.opening)…\(model ?? "")…\(list.closing)") }
        return lines.joined(separator: "\n")
    }

    /// Inserts `newLine` above the first line starting with `prefix` (a row of a Markdown table, where no marker
    /// comment can stand).
    static func insertLine(_ newLine: String, beforeLineStartingWith prefix: String, in text: String, file: String) throws(ContextGenerationError) -> String {
        var lines = text.components(separatedBy: "\n")
        guard let index = lines.firstIndex(where: { $0.hasPrefix(prefix) }) else { throw .missingMarker(file: file, marker: prefix) }
        lines.insert(newLine, at: index)
        return lines.joined(separator: "\n")
    }
}
