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
    /// on, every line carries the current trace and span ids. Loggers follow ``LiveLogLevel``, which starts at
    /// `level` and can change while the process runs; a logger given a level of its own keeps it.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LiveLogLevel.set(level)
        LoggingSystem.bootstrap({ label, metadataProvider -> any LogHandler in
            switch format {
            case .text: LiveLevelLogHandler(StreamLogHandler.standardOutput(label: label, metadataProvider: metadataProvider))
            case .json: LiveLevelLogHandler(JSONLogHandler(label: label, metadataProvider: metadataProvider))
            }
        }, metadataProvider: TracingSetup.loggingMetadataProvider)
    }
}

/// The process's log level, which the `log.level` setting changes without a restart (``LogLevelSetting``). Every
/// log call that might be filtered reads it, so it is one atomic load, not a lock.
public enum LiveLogLevel {
    private static let levels = Logger.Level.allCases
    private static let level = Atomic<Int>(levels.firstIndex(of: .info)!)

    public static var current: Logger.Level { levels[level.load(ordering: .relaxed)] }

    public static func set(_ newLevel: Logger.Level) { level.store(levels.firstIndex(of: newLevel)!, ordering: .relaxed) }
}

/// A handler whose level is ``LiveLogLevel`` until a logger sets one of its own. Generic over the handler it wraps,
/// so that setting a metadata value (three times per request: Hummingbird's request id, ours, the caller) copies one
/// existential box of the logger's, not a second one inside it.
struct LiveLevelLogHandler<Inner: LogHandler>: LogHandler {
    var inner: Inner
    var ownLevel: Logger.Level?

    init(_ inner: Inner) { self.inner = inner }

    var logLevel: Logger.Level {
        get { ownLevel ?? LiveLogLevel.current }
        set { ownLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        inner.log(level: level, message: message, metadata: metadata, source: source, file: file, function: function, line: line)
    }
}

extension LogFormat {
    /// A duration in milliseconds with two decimals (`12.34`), as request log lines show it: `String(format:)` cost
    /// more than the rest of such a line's fields together.
    public static func milliseconds(_ duration: Duration) -> String {
        let nanoseconds = max(0, duration.components.seconds) * 1_000_000_000 + max(0, duration.components.attoseconds) / 1_000_000_000
        let hundredths = (nanoseconds + 5_000) / 10_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
