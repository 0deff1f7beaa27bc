import Foundation
import Mustache
import Yams

/// What `tradewind new context` writes for one new bounded context: its code and tests rendered from the templates
/// in `Tools/Templates/Context`, and its registration everywhere the stack names its services.
struct ContextScaffold {
    static let templateFolder = "Tools/Templates/Context"

    let names: ContextNames
    let port: Int
    let withDatabase: Bool
    let consumed: [ConsumedEvent]
    /// `--publishes`: the event every new aggregate is announced with, through the outbox.
    let published: String?
    let repository: URL

    /// Checks that the context is new and the port free, then computes every change without writing anything.
    func plan() throws(ContextGenerationError) -> RepositoryChanges {
        try checkItIsNew()
        try checkPublishedEvent()
        var changes = RepositoryChanges()
        for (path, content) in try renderedTemplates() { changes.created[path] = content }
        for (path, content) in try deploymentFiles { changes.created[path] = content }
        let root = "Services/\(names.name)"
        changes.links["\(root)/openapi.yaml"] = "Contracts/openapi.yaml"
        changes.links["\(root)/Interface/openapi.yaml"] = "../Contracts/openapi.yaml"
        for registration in registrations {
            let original = try read(registration.file)
            changes.rewritten[registration.file] = try registration.edit(original)
        }
        return changes
    }

    // MARK: Checks

    func checkItIsNew() throws(ContextGenerationError) {
        let files = FileManager.default
        let existing = ((try? files.contentsOfDirectory(atPath: repository.appendingPathComponent("Services").path)) ?? [])
        if let clash = existing.first(where: { $0.lowercased() == names.name.lowercased() }) {
            throw .alreadyExists(names.name, "Services/\(clash)")
        }
        if files.fileExists(atPath: repository.appendingPathComponent("Tests/\(names.name)").path) {
            throw .alreadyExists(names.name, "Tests/\(names.name)")
        }
        let stack = try read("Tools/Tradewind/StackService.swift")
        if stack.contains("StackService(name: \"\(names.stackName)\"") {
            throw .alreadyExists(names.name, "tradewind up already runs a service named \(names.stackName)")
        }
        if let taken = Self.ports(in: stack).first(where: { $0.port == port }) {
            throw .invalidPort(port, "\(taken.service) listens on it")
        }
        guard (1024...65535).contains(port), !(32768...60999).contains(port) else {
            throw .invalidPort(port, "choose a port from 1024 to 32767 (above that the system hands out ports to outgoing connections)")
        }
    }

    /// The published event's name is a type in the context's Contracts, beside the generated ones and the consumed
    /// events its Infrastructure imports: UpperCamelCase, and none of those.
    func checkPublishedEvent() throws(ContextGenerationError) {
        guard let published else { return }
        let suggestion = "e.g. \(names.name)Recorded"
        let isUpperCamelCase = (2...60).contains(published.count) && published.unicodeScalars.allSatisfy(\.isASCII)
            && published.first!.isUppercase && published.allSatisfy { $0.isLetter || $0.isNumber } && published.contains { $0.isLowercase }
        guard isUpperCamelCase else { throw .invalidPublishedEvent(published, "an event name is UpperCamelCase ASCII letters and digits (\(suggestion))") }
        let name = names.name
        let generated = [
            name, "\(name)ID", "\(name)Error", "\(name)Repository", "SQL\(name)Repository", "\(name)Schema", "\(name)Contract", "\(name)API",
            "\(name)Routes", "\(name)Problems", "\(name)Service", "\(name)ServiceConfiguration", "\(name)EventSubscriptions",
            "Published\(name)Events", "Create\(name)", "Get\(name)", "List\(names.pluralName)", "Client", "Components", "Operations", "APIProtocol",
        ] + consumed.map(\.event) + consumed.map { "Record\($0.event)" }
        if generated.contains(published) || ContextNames.reservedNames.contains(published) {
            throw .invalidPublishedEvent(published, "\(published) is already the name of a type the context has or imports; choose another (\(suggestion))")
        }
    }

    /// `(service, port)` of every `StackService(name: …, port: …)` line.
    static func ports(in stackSource: String) -> [(service: String, port: Int)] {
        stackSource.split(separator: "\n").compactMap { line in
            guard let name = ConsumedEvent.firstMatch(#"StackService\(name: "([a-z0-9-]+)""#, in: String(line)),
                  let port = ConsumedEvent.firstMatch(#"port: (\d+)"#, in: String(line)).flatMap({ Int($0) }) else { return nil }
            return (name, port)
        }
    }

    /// The next port after the highest one the local stack uses for a context (the registry's 8500 aside).
    static func nextFreePort(repository: URL) -> Int {
        let stack = (try? String(contentsOf: repository.appendingPathComponent("Tools/Tradewind/StackService.swift"), encoding: .utf8)) ?? ""
        return (ports(in: stack).map(\.port).filter { $0 < 8500 }.max() ?? 8085) + 1
    }

    // MARK: Templates

    var templateValues: [String: Any] {
        let contexts = Array(Set(consumed.map(\.context))).sorted()
        return [
            "Name": names.name, "lowerName": names.lowerName, "PluralName": names.pluralName, "lowerPluralName": names.lowerPluralName,
            "serviceName": names.serviceName, "pathSegment": names.pathSegment, "tableName": names.tableName, "port": port,
            "hasConsumedEvents": !consumed.isEmpty, "publishes": published != nil, "PublishedEvent": published ?? "",
            // The outbox's migrations follow the table's and, when the context consumes events, the inbox's.
            "outboxVersion": consumed.isEmpty ? 2 : 3, "outboxIndexVersion": consumed.isEmpty ? 3 : 4, "subscribersVersion": consumed.isEmpty ? 4 : 5,
            "outboxWaitingIndexesVersion": consumed.isEmpty ? 5 : 6,
            "consumedContexts": contexts.map { ["Context": $0] },
            "consumedEvents": consumed.enumerated().map { index, event in eventValues(event, first: index == 0, last: index == consumed.count - 1) },
        ]
    }

    func eventValues(_ event: ConsumedEvent, first: Bool, last: Bool) -> [String: Any] {
        [
            "Context": event.context, "Event": event.event, "lowerEvent": ContextNames.lowerCamelCase(event.event),
            "publisher": event.publisher, "eventVersion": event.version, "sampleData": event.sampleData,
            "sampleAggregateID": ConsumedEvent.sampleAggregateID, "first": first, "last": last,
        ]
    }

    /// Relative output path → rendered content. A template whose path holds `__Event__` is rendered once per
    /// consumed event; the subscriptions file only when the context consumes any; the published event and its
    /// mapping only when it publishes one.
    func renderedTemplates() throws(ContextGenerationError) -> [String: String] {
        let folder = repository.appendingPathComponent(Self.templateFolder)
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            throw .template(Self.templateFolder, "the folder is missing")
        }
        let values = templateValues
        var output: [String: String] = [:]
        for case let file as URL in walker where file.pathExtension == "mustache" {
            let relative = String(file.path.dropFirst(folder.path.count + 1).dropLast(".mustache".count))
            let source: String
            let template: MustacheTemplate
            do {
                source = try String(contentsOf: file, encoding: .utf8)
                template = try MustacheTemplate(string: source)
            } catch {
                throw .template(relative, "\(error)")
            }
            func path(_ event: ConsumedEvent?) -> String {
                var path = relative.replacingOccurrences(of: "__Name__", with: names.name)
                    .replacingOccurrences(of: "__PluralName__", with: names.pluralName)
                if let event { path = path.replacingOccurrences(of: "__Event__", with: event.event) }
                return path.replacingOccurrences(of: "__PublishedEvent__", with: published ?? "")
            }
            let publisherOnly = relative.contains("__PublishedEvent__") || relative.hasSuffix("Published__Name__Events.swift")
            if publisherOnly && published == nil {
                continue
            } else if relative.contains("__Event__") {
                for (index, event) in consumed.enumerated() {
                    let eventScope = values.merging(eventValues(event, first: index == 0, last: index == consumed.count - 1)) { $1 }
                    output[path(event)] = template.render(eventScope)
                }
            } else if relative.hasSuffix("EventSubscriptions.swift") && consumed.isEmpty {
                continue
            } else {
                output[path(nil)] = template.render(values)
            }
        }
        guard !output.isEmpty else { throw .template(Self.templateFolder, "no .mustache files in it") }
        return output
    }

    func read(_ path: String) throws(ContextGenerationError) -> String {
        do { return try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8) } catch {
            throw .unreadableFile(path, "\(error)")
        }
    }
}
