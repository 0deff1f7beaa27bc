import Logging
import ServiceLifecycle

/// The loop of a background worker (a sweeper, the checkout): runs `pass` until shutdown, again at once while it
/// reports work done, after `interval` when it found none or failed (logged as a warning, then tried again).
/// A pass that did work is logged with `announce` and the count, when given.
public struct RepeatingWork: Service, CustomStringConvertible {
    let name: String
    let interval: Duration
    let announce: String?
    let logger: Logger
    let pass: @Sendable () async throws -> Int

    public init(_ name: String, every interval: Duration, announce: String? = nil, logger: Logger, pass: @escaping @Sendable () async throws -> Int) {
        self.name = name
        self.interval = interval
        self.announce = announce
        self.logger = logger
        self.pass = pass
    }

    public var description: String { "RepeatingWork(\(name), every \(interval))" }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var done = 0
            do {
                done = try await pass()
                if done > 0, let announce { logger.info("\(announce)", metadata: ["count": "\(done)"]) }
            } catch {
                logger.warning("\(name) failed", metadata: ["error": "\(error)"])
            }
            if done == 0 { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } }
        }
    }
}
