import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import TradewindRuntime
import UnixSignals

/// `tradewind up`: the whole stack on this machine, each service a separate process on SQLite under `.tradewind/`,
/// or with `--postgres` each in its own database on one PostgreSQL server.
struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start every Tradewind service locally and keep it running until Ctrl-C.")

    @Option(help: "How long to wait for each service to become ready, in seconds.")
    var readyTimeout = 120

    @Option(help: "Added to every port (registry 8500, user 8081, product 8082, cart 8083, cargo 8084, order 8085, gateway 8080), to run a second stack beside the first.")
    var portOffset = 0

    @Flag(help: "Show every log line, heartbeats and health probes included (LOG_LEVEL=debug for every service).")
    var verbose = false

    @Option(help: "A PostgreSQL server to keep the data in instead of SQLite files, as postgres://user:password@host:port/database (a database the user can connect to); each service gets its own database tradewind_<service>, created when missing.")
    var postgres: String?

    func validate() throws {
        guard (0...50_000).contains(portOffset) else { throw ValidationError("--port-offset must be between 0 and 50000") }
        if let postgres {
            guard case .postgres = try? DatabaseURL(postgres) else { throw ValidationError("--postgres must be a postgres:// URL with a user, a host and a database") }
        }
    }

    /// One database per service on the `--postgres` server, created when missing, by service name.
    private func postgresDatabases() async throws -> [String: String] {
        guard let postgres, var components = URLComponents(string: postgres) else { return [:] }
        let server = try DatabaseURL(postgres)
        var logger = Logger(label: "tradewind-up")
        logger.logLevel = .warning
        var urls: [String: String] = [:]
        for service in StackService.withDatabase.sorted() {
            let name = "tradewind_\(service)"
            _ = try await PostgresAdministration.ensureDatabase(name, on: server, logger: logger)
            components.path = "/\(name)"
            urls[service] = components.string
        }
        return urls
    }

    func run() async throws {
        let folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".tradewind"), withIntermediateDirectories: true)
        let supervisor = ProcessSupervisor(executable: try Self.ownExecutable(), workingDirectory: folder, extraEnvironment: childEnvironment())
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)

        enum Finished { case interrupted, stackReady }
        do {
            // Ctrl-C is heard while the services start too, not only once all are ready: a service that cannot
            // start must not hold the terminal for the whole readiness timeout.
            try await withThrowingTaskGroup(of: Finished.self) { group in
                group.addTask {
                    for await _ in signals { break }
                    return .interrupted
                }
                group.addTask {
                    try await startStack(folder: folder, supervisor: supervisor)
                    return .stackReady
                }
                while let finished = try await group.next(), finished != .interrupted {}
                group.cancelAll()
            }
        } catch {
            await supervisor.stopAll()
            throw error
        }
        Console.print("stopping…")
        await supervisor.stopAll()
        Console.print("stopped")
    }

    /// Set for every service on top of its own settings. The stack's eight processes share this machine's cores, so
    /// each runs on one event loop unless `NIO_SINGLETON_GROUP_LOOP_COUNT` (SwiftNIO's own setting) says otherwise:
    /// the processes are the parallelism, and a process's work never hands over between its own threads (at 200
    /// orders/s on PostgreSQL, 4 % less CPU per order than two loops each, and a lower `POST /orders` p99;
    /// Benchmarks/README.md, ninth round).
    func childEnvironment(inherited: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment: [String: String] = [:]
        if verbose { environment["LOG_LEVEL"] = "debug" }
        if inherited["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil { environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] = "1" }
        return environment
    }

    /// Starts the services one after the other, each once the one before is ready, and prints where they listen.
    private func startStack(folder: URL, supervisor: ProcessSupervisor) async throws {
        let stackStart = ContinuousClock.now
        var rows: [(service: StackService, pid: Int32, ready: Duration)] = []
        let secrets = try StackService.clientSecrets(in: folder)
        let registrySecret = try LocalRegistrySecret.loadOrCreate()
        let databases = try await postgresDatabases()
        let stack = StackService.stack(portOffset: portOffset, clientSecrets: secrets, registrySecret: registrySecret, databaseURLs: databases)
        // Another stack on these ports would answer the readiness checks in place of this one's services.
        let taken = await stack.asyncFilter { await !Self.isFree(port: $0.port) }
        guard taken.isEmpty else {
            throw StackError("port \(taken.map { "\($0.port) (\($0.name))" }.joined(separator: ", ")) already in use: is another `tradewind up` running? Stop it, or move this stack with --port-offset")
        }
        for service in stack {
            let started = ContinuousClock.now
            let pid = try await supervisor.start(service)
            guard try await waitUntilReady(service) else {
                throw ValidationError("\(service.name) did not become ready within \(readyTimeout) s; see its log above")
            }
            rows.append((service, pid, ContinuousClock.now - started))
        }
        printSummary(rows, total: ContinuousClock.now - stackStart)
    }

    /// This program's own file, which the services run as (`tradewind serve <name>`): Linux names it in `/proc`,
    /// Foundation asks the system elsewhere (macOS has no `/proc`).
    static func ownExecutable() throws -> URL {
        #if os(Linux)
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        #else
        guard let url = Bundle.main.executableURL else { throw ValidationError("cannot find the tradewind executable to start the services with") }
        return url.resolvingSymlinksInPath()
        #endif
    }

    static func isFree(port: Int) async -> Bool {
        // With SO_REUSEADDR, as the services bind: only a listener makes a port taken, not connections that
        // recently used it as their local port and linger in TIME_WAIT.
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        guard let channel = try? await bootstrap.bind(host: "127.0.0.1", port: port).get() else {
            return false
        }
        try? await channel.close()
        return true
    }

    private func waitUntilReady(_ service: StackService) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(readyTimeout)
        while ContinuousClock.now < deadline {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(service.port)/health/ready")
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok {
                return true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    private func printSummary(_ rows: [(service: StackService, pid: Int32, ready: Duration)], total: Duration) {
        func milliseconds(_ duration: Duration) -> String {
            "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) ms"
        }
        var lines = ["", "SERVICE    PID       PORT   READY IN"]
        for row in rows {
            lines.append(row.service.name.padding(toLength: 11, withPad: " ", startingAt: 0)
                + String(row.pid).padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(row.service.port).padding(toLength: 7, withPad: " ", startingAt: 0)
                + milliseconds(row.ready))
        }
        lines.append("")
        lines.append("stack ready in \(milliseconds(total))")
        for row in rows {
            lines.append("  \(row.service.name): http://127.0.0.1:\(row.service.port)  (health: /health/ready, metrics: /metrics)")
        }
        if let gateway = rows.first(where: { $0.service.name == "gateway" }) {
            let base = "http://127.0.0.1:\(gateway.service.port)"
            lines.append("")
            lines.append("Open the API through the gateway: \(base)/api/…  e.g.")
            lines.append("  curl '\(base)/api/products?category=audio&sort=price'")
            lines.append("  curl -X POST \(base)/api/carts      # a guest cart; send its cartToken as X-Cart-Token")
            lines.append("  curl \(base)/api/voyages            # the cargo network; /api/tracking/<id> tracks a cargo")
            lines.append("  curl -X POST \(base)/api/users -H 'content-type: application/json' \\")
            lines.append("       -d '{\"email\":\"ada@example.com\",\"password\":\"correct horse battery\",\"displayName\":\"Ada\"}'")
            lines.append("  curl -X POST \(base)/api/oauth/token -d 'grant_type=password&username=ada@example.com&password=correct horse battery'")
            lines.append("  curl \(base)/api/users/me -H 'authorization: Bearer <access_token>'")
        }
        lines.append("Press Ctrl-C to stop.")
        Console.print(lines.joined(separator: "\n"))
    }
}

extension Sequence {
    func asyncFilter(_ isIncluded: (Element) async -> Bool) async -> [Element] {
        var kept: [Element] = []
        for element in self where await isIncluded(element) { kept.append(element) }
        return kept
    }
}

/// A stack that cannot start, said without the usage text a wrong option gets.
struct StackError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
