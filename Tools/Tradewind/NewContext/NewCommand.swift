import ArgumentParser
import Foundation

/// `tradewind new context <Name>`: a new bounded context, generated and registered.
struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Generate code that joins the stack.",
        subcommands: [NewContext.self]
    )
}

struct NewContext: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context",
        abstract: "Generate a new bounded context and register it with the build, the gateway, `tradewind up` and the deployments.",
        discussion: """
        Writes Services/<Name>/ (Domain, Application, Infrastructure, Interface, Contracts, Server, Main) and Tests/<Name>/ \
        from the templates in Tools/Templates/Context, then adds the context to Package.swift, the stack, the gateway's \
        route table and the deployment files. Nothing is written when a check fails, and a failure part-way undoes \
        every change. See ADDING-A-CONTEXT.md.
        """
    )

    @Argument(help: "The context's name, in UpperCamelCase (e.g. Payment, ShippingLabel).")
    var name: String

    @Option(help: "The service's port (default: the next one after the stack's highest).")
    var port: Int?

    @Flag(help: "Give the service its own PostgreSQL database and role in the deployments and with `tradewind up --postgres` (otherwise it keeps its data in SQLite).")
    var withDatabase = false

    @Option(name: .customLong("consumes"), help: "Subscribe to another context's event, as <Context>.<Event> (e.g. Order.OrderPlaced); repeatable.")
    var consumedEvents: [String] = []

    @Option(name: .customLong("publishes"), help: "Publish an event, named in UpperCamelCase (e.g. PaymentRecorded), for every new aggregate, through an outbox.")
    var publishedEvent: String?

    @Option(help: "The root of the Tradewind checkout to change.")
    var repository = "."

    func run() throws {
        let root = URL(fileURLWithPath: repository, isDirectory: true).standardizedFileURL
        do {
            let manifest = try? String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
            guard manifest?.contains("name: \"Tradewind\"") == true else { throw ContextGenerationError.notARepository(root.path) }
            let names = try ContextNames(name)
            var consumed: [ConsumedEvent] = []
            for argument in consumedEvents {
                let event = try ConsumedEvent(argument, repository: root)
                guard event.context != names.name else { throw ContextGenerationError.invalidConsumedEvent(argument, "a context does not subscribe to its own events") }
                guard !consumed.contains(where: { $0.event == event.event && $0.context == event.context }) else {
                    throw ContextGenerationError.invalidConsumedEvent(argument, "named twice")
                }
                consumed.append(event)
            }
            let scaffold = ContextScaffold(
                names: names, port: port ?? ContextScaffold.nextFreePort(repository: root), withDatabase: withDatabase,
                consumed: consumed, published: publishedEvent, repository: root
            )
            let changes = try scaffold.plan()
            try changes.apply(in: root)
            print("Created the \(names.name) context (\(names.serviceName), port \(scaffold.port)):")
            for path in changes.created.keys.sorted() { print("  new      \(path)") }
            for path in changes.links.keys.sorted() { print("  link     \(path)") }
            for path in changes.rewritten.keys.sorted() { print("  changed  \(path)") }
            print("""

            Next: swift build && swift test --filter \(names.name), then swift run tradewind up; the API is at \
            http://localhost:8080/api/\(names.pathSegment) with a bearer token. ADDING-A-CONTEXT.md explains each file.
            """)
        } catch let error as ContextGenerationError {
            throw ValidationError(error.description)
        }
    }
}
