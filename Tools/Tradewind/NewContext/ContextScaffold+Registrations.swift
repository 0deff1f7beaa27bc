import Foundation
import Yams

/// One existing file that names every service, and how the new context is added to it.
struct Registration {
    let file: String
    let edit: (String) throws(ContextGenerationError) -> String
}

extension ContextScaffold {
    var registrations: [Registration] {
        let name = names.name
        let consumedContexts = Array(Set(consumed.map(\.context))).sorted()
        let consumes = consumedContexts.isEmpty ? "" : ", consumes: [\(consumedContexts.map { "\"\($0)\"" }.joined(separator: ", "))]"
        return [
            Registration(file: "Package.swift") { text throws(ContextGenerationError) in
                var text = try Self.insert("targets += boundedContext(\"\(name)\", executable: \"\(names.serviceName)\", interface: [.logging]\(consumes))",
                                           before: "tradewind new context: contexts", in: text, file: "Package.swift")
                text = try Self.insert(".executable(name: \"\(names.serviceName)\", targets: [\"\(names.serviceName)\"]),",
                                       before: "tradewind new context: executables", in: text, file: "Package.swift")
                return try Self.insert("\"\(name)Server\",", before: "tradewind new context: servers", in: text, file: "Package.swift")
            },
            Registration(file: "Tools/Tradewind/Serve.swift") { text throws(ContextGenerationError) in
                let file = "Tools/Tradewind/Serve.swift"
                let imported = try Self.insert("import \(name)Server", before: "tradewind new context: imports", in: text, file: file)
                return try Self.insert("case \"\(names.stackName)\": await \(name)Service.main()", before: "tradewind new context: services", in: imported, file: file)
            },
            Registration(file: "Tools/Tradewind/StackService.swift") { [withDatabase, port, published] text throws(ContextGenerationError) in
                let file = "Tools/Tradewind/StackService.swift"
                var text = try Self.insert("StackService(name: \"\(names.stackName)\", port: \(port), environment: [:]),",
                                           before: "tradewind new context: services", in: text, file: file)
                if withDatabase {
                    text = try Self.insert("\"\(names.stackName)\",", before: "tradewind new context: databases", in: text, file: file)
                }
                guard published != nil else { return text }
                return try Self.insert("\"\(names.stackName)\": \"\(names.serviceName)\",", before: "tradewind new context: machine clients", in: text, file: file)
            },
            Registration(file: "Services/Gateway/routes.json") { text throws(ContextGenerationError) in try addRoute(to: text) },
        ] + publisherRegistrations + deploymentRegistrations
    }

    /// A publisher delivers its events with a token of its own: the local stack gives it a machine client, and
    /// the token issuer grants that client the scope of its events, which its consumers require.
    var publisherRegistrations: [Registration] {
        guard published != nil else { return [] }
        let file = "Services/User/Server/UserServiceConfiguration.swift"
        return [
            Registration(file: file) { text throws(ContextGenerationError) in
                try refuseIfNamed(names.serviceName, in: text, file: file)
                return try Self.insert("\"\(names.serviceName)\": [Scope.publishEvents(of: \"\(names.serviceName)\")],",
                                       before: "tradewind new context: publisher scopes", in: text, file: file)
            },
        ]
    }

    /// Inserts `block` (one line or several) above the line holding the comment `marker` (after `//` in Swift, `#`
    /// in YAML, shell, Python, Groovy and Dockerfiles), each of its non-empty lines indented like the marker's line.
    static func insert(_ block: String, before marker: String, in text: String, file: String, comment: String = "//") throws(ContextGenerationError) -> String {
        var lines = text.components(separatedBy: "\n")
        let marked = "\(comment) \(marker)"
        guard let index = lines.firstIndex(where: { $0.contains(marked) }) else { throw .missingMarker(file: file, marker: marked) }
        let indentation = lines[index].prefix { $0 == " " }
        let inserted = block.components(separatedBy: "\n").map { $0.isEmpty ? $0 : indentation + $0 }
        lines.insert(contentsOf: inserted, at: index)
        return lines.joined(separator: "\n")
    }

    /// The gateway's route to the new context: `/api/<path>` to its service, for signed-in callers, limited per caller.
    func addRoute(to text: String) throws(ContextGenerationError) -> String {
        let file = "Services/Gateway/routes.json"
        let document = try OrderedJSON.parse(text, file: file)
        guard case .mapping(var top) = document, case .sequence(var routes)? = top["routes"] else {
            throw .unreadableFile(file, "expected an object with a \"routes\" array")
        }
        let prefix = "/api/\(names.pathSegment)"
        for route in routes {
            if route["name"]?.string == names.pathSegment { throw .alreadyExists(names.name, "\(file) has a route named \(names.pathSegment)") }
            if route["prefix"]?.string == prefix { throw .alreadyExists(names.name, "\(file) routes \(prefix) already") }
        }
        routes.append(OrderedJSON.object([
            ("name", OrderedJSON.string(names.pathSegment)),
            ("prefix", OrderedJSON.string(prefix)),
            ("service", OrderedJSON.string(names.serviceName)),
            ("rewrite", OrderedJSON.string("/\(names.pathSegment)")),
            ("access", OrderedJSON.string("authenticated")),
            ("rateLimit", OrderedJSON.object([
                ("perSecond", OrderedJSON.number(50)), ("burst", OrderedJSON.number(100)), ("key", OrderedJSON.string("subject")),
            ])),
            ("timeoutMs", OrderedJSON.number(5000)),
            ("maxBodyBytes", OrderedJSON.number(65536)),
        ]))
        top["routes"] = .sequence(routes)
        return OrderedJSON.render(.mapping(top))
    }
}
