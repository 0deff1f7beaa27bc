import Foundation

/// An event of another context that the new context subscribes to (`--consumes Order.OrderPlaced`), read from the
/// publisher's Contracts target so that the generated code and its tests name real types.
struct ConsumedEvent: Equatable, Sendable {
    /// `Order`
    let context: String
    /// `OrderPlaced`
    let event: String
    /// `order-service`, whose scope (`events:publish:order-service`) a delivery must carry.
    let publisher: String
    let version: Int
    /// The event's data for the generated test: every String field set to ``sampleAggregateID`` (so the event's
    /// `aggregateID` is that value whichever field it is), numbers 1, booleans true, dates a fixed instant. A JSON
    /// document written as a JSON string literal, as the envelope's `data` holds it.
    let sampleData: String
    static let sampleAggregateID = "A-1"

    /// Reads `Services/<Context>/Contracts/<Event>.swift` under `repository`.
    init(_ argument: String, repository: URL) throws(ContextGenerationError) {
        let parts = argument.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .invalidConsumedEvent(argument, "write it as <Context>.<Event>, e.g. Order.OrderPlaced")
        }
        let (context, event) = (parts[0], parts[1])
        let file = repository.appendingPathComponent("Services/\(context)/Contracts/\(event).swift")
        guard let source = try? String(contentsOf: file, encoding: .utf8) else {
            let contexts = ((try? FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("Services").path)) ?? []).sorted()
            guard contexts.contains(context) else {
                throw .invalidConsumedEvent(argument, "there is no context \(context) (contexts: \(contexts.joined(separator: ", ")))")
            }
            let events = Self.publishedEvents(of: context, repository: repository)
            throw .invalidConsumedEvent(argument, "\(context) publishes no event \(event) (it publishes: \(events.isEmpty ? "none" : events.joined(separator: ", ")))")
        }
        guard source.contains("struct \(event): PublishedEvent") else {
            throw .invalidConsumedEvent(argument, "\(file.lastPathComponent) does not declare `struct \(event): PublishedEvent`")
        }
        self.context = context
        self.event = event
        publisher = ContextNames.words(of: context).joined(separator: "-") + "-service"
        version = Self.firstMatch(#"static let version\s*=\s*(\d+)"#, in: source).flatMap { Int($0) } ?? 1
        sampleData = try Self.sampleData(fields: Self.storedFields(in: source), event: argument)
    }

    /// The contexts' published events: the Contracts files declaring a `PublishedEvent`.
    static func publishedEvents(of context: String, repository: URL) -> [String] {
        let folder = repository.appendingPathComponent("Services/\(context)/Contracts")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".swift") }.sorted().compactMap { file in
            let name = String(file.dropLast(".swift".count))
            let source = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            return source?.contains("struct \(name): PublishedEvent") == true ? name : nil
        }
    }

    /// `public let name: Type` declarations: the event's encoded fields.
    static func storedFields(in source: String) -> [(name: String, type: String)] {
        source.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("public let "), !trimmed.contains("static") else { return nil }
            let declaration = trimmed.dropFirst("public let ".count).split(separator: "=")[0]
            let parts = declaration.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }

    static func sampleData(fields: [(name: String, type: String)], event: String) throws(ContextGenerationError) -> String {
        var members: [String] = []
        for (name, type) in fields where !type.hasSuffix("?") {
            let value: String
            switch type {
            case "String": value = "\"\(sampleAggregateID)\""
            case "Int", "Int64", "Int32", "UInt", "UInt64", "Double", "Decimal": value = "1"
            case "Bool": value = "true"
            case "Date": value = "\"2026-11-30T10:00:00Z\""
            default: throw .invalidConsumedEvent(event, "its field \(name) has the type \(type), for which no sample value for the generated test is known")
            }
            members.append("\"\(name)\":\(value)")
        }
        let document = "{" + members.joined(separator: ",") + "}"
        return "\"" + document.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let expression = try? NSRegularExpression(pattern: pattern),
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }
}
