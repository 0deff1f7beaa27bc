import Foundation
import Logging
import Synchronization

public enum LogFormat: String, CaseIterable, Sendable {
    case text
    case json
}

public enum LogSetup {
    private static let bootstrapped = Mutex(false)

    /// Installs the process-wide log handler once; later calls (tests build many apps) do nothing. With tracing
    /// on, every line carries the current trace and span ids.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap({ label, metadataProvider in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardOutput(label: label, metadataProvider: metadataProvider)
            case .json: JSONLogHandler(label: label, metadataProvider: metadataProvider)
            }
            handler.logLevel = level
            return handler
        }, metadataProvider: TracingSetup.loggingMetadataProvider)
    }
}
