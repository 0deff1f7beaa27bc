import Foundation
import Logging
import ServiceLifecycle

/// Ends a service whose supervisor is gone. `tradewind up` starts each service with a pipe as its standard input
/// and never writes to it: the pipe closes when `up` exits, however it exits (killed with SIGKILL, crashed), and the
/// service then stops gracefully instead of holding its port for the next `up`. Set by `up` through
/// ``environmentVariable``; a service started any other way has no lifeline.
public struct SupervisorLifeline: Service {
    public static let environmentVariable = "TRADEWIND_LIFELINE"
    public static let standardInput = "stdin"

    let logger: Logger

    /// The lifeline the environment asks for, if any.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) -> SupervisorLifeline? {
        environment[environmentVariable] == standardInput ? SupervisorLifeline(logger: logger) : nil
    }

    /// Returns when standard input reaches its end (the supervisor is gone) or the process shuts down for another reason.
    public func run() async throws {
        let (closed, ended) = AsyncStream<Never>.makeStream()
        // A blocking read on a thread of its own: nothing else reads standard input, and the thread ends with the process.
        let reader = Thread {
            // Named from inside: a new thread starts with its creator's name on Linux, here an event loop's. Through
            // the kernel's own file: Foundation's `Thread.current.name`, set this early, left about one thread in ten
            // with its creator's name.
            #if os(Linux)
            let comm = open("/proc/thread-self/comm", O_WRONLY)
            if comm >= 0 {
                _ = write(comm, "lifeline", 8)
                close(comm)
            }
            #else
            Thread.current.name = "lifeline"
            #endif
            var byte: UInt8 = 0
            while true {
                let count = read(STDIN_FILENO, &byte, 1)
                if count == 0 || (count < 0 && errno != EINTR) { break }
            }
            ended.finish()
        }
        reader.start()
        await cancelWhenGracefulShutdown {
            for await _ in closed {}
        }
        if !Task.isCancelled, !Task.isShuttingDownGracefully {
            logger.notice("the supervising tradewind up is gone: stopping")
        }
    }
}
