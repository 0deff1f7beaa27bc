import Foundation
import Synchronization
import TradewindRuntime

/// Starts the stack's services as child processes (`tradewind serve <name>`), prefixes their output with the
/// service name, restarts a process that dies with exponential backoff, and stops them all gracefully.
actor ProcessSupervisor {
    struct Child {
        let service: StackService
        var process: Process
        /// The write end of the child's standard input, never written to: it closes when this process ends, however
        /// it ends, and the child then stops (``SupervisorLifeline``).
        var lifeline: FileHandle
        var output: OutputRelay
        var restarts: Int
        var startedAt: ContinuousClock.Instant
    }

    private let executable: URL
    private let workingDirectory: URL
    /// Set for every child on top of its own environment (`LOG_LEVEL` for `--verbose`).
    private let extraEnvironment: [String: String]
    private var children: [String: Child] = [:]
    private var stopping = false

    init(executable: URL, workingDirectory: URL, extraEnvironment: [String: String] = [:]) {
        self.executable = executable
        self.workingDirectory = workingDirectory
        self.extraEnvironment = extraEnvironment
    }

    func start(_ service: StackService) throws -> Int32 {
        let (process, lifeline, output) = try launch(service)
        children[service.name] = Child(service: service, process: process, lifeline: lifeline, output: output,
                                       restarts: children[service.name]?.restarts ?? 0, startedAt: .now)
        return process.processIdentifier
    }

    func pid(of name: String) -> Int32? { children[name]?.process.processIdentifier }

    /// SIGTERM to every child (they drain in-flight requests), the registry last: the others deregister and end
    /// their watches of it while it still answers. SIGKILL to any still alive after `grace`.
    func stopAll(grace: Duration = .seconds(10)) async {
        stopping = true
        let deadline = ContinuousClock.now + grace
        let (registry, others) = children.values.partitioned { $0.service.name == "registry" }
        for phase in [others, registry] {
            for child in phase where child.process.isRunning { kill(child.process.processIdentifier, SIGTERM) }
            while phase.contains(where: { $0.process.isRunning }), ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        for child in children.values where child.process.isRunning { kill(child.process.processIdentifier, SIGKILL) }
        // Their last lines (how they stopped) are still on the way.
        for child in children.values { await child.output.finished(within: .seconds(1)) }
    }

    private func launch(_ service: StackService) throws -> (Process, lifeline: FileHandle, output: OutputRelay) {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", service.name]
        process.currentDirectoryURL = workingDirectory
        var environment = ProcessInfo.processInfo.environment
        // The stack's registry credentials are its own (set per service below), never ones left in the shell.
        for variable in ["REGISTRY_TOKEN", "REGISTRY_SECRET"] { environment.removeValue(forKey: variable) }
        environment["PORT"] = String(service.port)
        environment.merge(service.environment) { _, new in new }
        environment.merge(extraEnvironment) { _, new in new }
        environment[SupervisorLifeline.environmentVariable] = SupervisorLifeline.standardInput
        process.environment = environment
        let lifeline = Pipe()
        process.standardInput = lifeline
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.terminationHandler = { [weak self] finished in
            let status = finished.terminationStatus
            Task { await self?.exited(service, status: status) }
        }
        try process.run()
        let relay = OutputRelay(reading: output.fileHandleForReading, to: LinePrefixer(prefix: Self.label(service.name)), name: service.name)
        return (process, lifeline.fileHandleForWriting, relay)
    }

    private func exited(_ service: StackService, status: Int32) async {
        guard !stopping, var child = children[service.name] else { return }
        // A process that ran for a while gets a fresh backoff; one that keeps crashing waits up to 30 s.
        if ContinuousClock.now - child.startedAt > .seconds(60) { child.restarts = 0 }
        let delay = Duration.milliseconds(min(30_000, 500 << min(child.restarts, 6)))
        Console.print("\(Self.label(service.name)) exited with status \(status); restarting in \(delay.formatted(.units(allowed: [.seconds, .milliseconds])))")
        try? await Task.sleep(for: delay)
        guard !stopping else { return }
        do {
            (child.process, child.lifeline, child.output) = try launch(service)
            child.restarts += 1
            child.startedAt = .now
            children[service.name] = child
        } catch {
            Console.print("\(Self.label(service.name)) could not be restarted: \(error)")
        }
    }

    static func label(_ name: String) -> String {
        let width = StackService.all.map(\.name.count).max() ?? name.count
        return "[\(name)]" + String(repeating: " ", count: max(0, width - name.count))
    }
}

/// Copies a child's output to the console, on a thread of its own that blocks reading the pipe. After each read it
/// pauses (20 ms unless told) so that under load one read takes many lines: every service logs each request it serves,
/// and waking the relay for each line cost the stack about 3 % of its CPU at 200 orders/s. Nothing is lost in a
/// pause — the lines wait in the pipe — and a line is late by at most the pause. A read that finds the pipe half full
/// or more is not followed by a pause, so a service logging a lot (`--verbose` under load) is not held up waiting
/// for room in the pipe.
final class OutputRelay: Sendable {
    private let pause: @Sendable () -> Void
    private let ended = Mutex(false)

    init(reading pipe: FileHandle, to prefixer: LinePrefixer, name: String,
         pause: @escaping @Sendable () -> Void = { Thread.sleep(forTimeInterval: 0.02) }) {
        self.pause = pause
        let thread = Thread { self.copy(pipe, to: prefixer) }
        thread.name = "output of \(name)"
        thread.start()
    }

    private func copy(_ pipe: FileHandle, to prefixer: LinePrefixer) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipe.fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }  // the end (every writer closed it), or an error reading
            prefixer.write(Data(buffer[0..<count]))
            // A read this large found the pipe (64 KiB) filling up: the service is logging faster than pauses allow.
            if count < buffer.count / 2 { pause() }
        }
        prefixer.finish()
        try? pipe.close()
        ended.withLock { $0 = true }
    }

    /// Waits until the child's output has been copied to its end, or `limit` passed.
    func finished(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !ended.withLock({ $0 }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Splits a byte stream into lines and prints each with a prefix. The complete lines of a chunk go out in one write
/// (every service logs each request it serves, so under load a chunk holds many); a partial line waits for its end,
/// up to ``longestLine`` bytes.
final class LinePrefixer: Sendable {
    static let longestLine = 64 * 1024
    private let prefix: [UInt8]
    private let output: @Sendable (Data) -> Void
    private let pending = Mutex([UInt8]())

    init(prefix: String, output: @escaping @Sendable (Data) -> Void = Console.write) {
        self.prefix = Array((prefix + " ").utf8)
        self.output = output
    }

    func write(_ data: Data) {
        let lines: Data? = pending.withLock { buffer in
            buffer.append(contentsOf: data)
            let end = buffer.lastIndex(of: 0x0A).map { $0 + 1 } ?? (buffer.count > Self.longestLine ? buffer.count : 0)
            guard end > 0 else { return nil }
            var lines = Data(capacity: end + prefix.count * 8)
            var start = 0
            while start < end {
                let stop = buffer[start..<end].firstIndex(of: 0x0A) ?? end
                lines.append(contentsOf: prefix)
                lines.append(contentsOf: buffer[start..<stop])
                lines.append(0x0A)
                start = stop + 1
            }
            buffer.removeFirst(end)
            return lines
        }
        if let lines { output(lines) }
    }

    /// The end of the stream: a last line without its end of line (a process that died mid-line) goes out too.
    func finish() {
        let rest: [UInt8] = pending.withLock { buffer in defer { buffer.removeAll() }; return buffer }
        if !rest.isEmpty { output(Data(prefix + rest + [0x0A])) }
    }
}

enum Console {
    private static let lock = Mutex(())

    static func print(_ line: String) {
        write(Data((line + "\n").utf8))
    }

    @Sendable static func write(_ data: Data) {
        lock.withLock { _ in FileHandle.standardOutput.write(data) }
    }
}

extension Sequence {
    /// The elements that satisfy `belongsInFirst`, and the others, each in their order.
    func partitioned(_ belongsInFirst: (Element) -> Bool) -> (matching: [Element], others: [Element]) {
        var matching: [Element] = [], others: [Element] = []
        for element in self { if belongsInFirst(element) { matching.append(element) } else { others.append(element) } }
        return (matching, others)
    }
}
