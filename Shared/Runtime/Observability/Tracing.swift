import Foundation
import HTTPTypes
import Logging
import OTel
import ServiceLifecycle
import Synchronization
import Tracing

/// Distributed tracing for a service process: OpenTelemetry spans exported over OTLP when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set. Without it nothing is installed:
/// the no-op tracer stays, no span is made, and `traceparent` headers are passed on as they came.
public enum TracingSetup {
    private static let enabled = Mutex<Bool?>(nil)

    /// True once this process exports spans.
    public static var isEnabled: Bool { enabled.withLock { $0 ?? false } }

    /// Installs the OTLP tracer once per process (the standard `OTEL_*` variables tune it: protocol, sampler,
    /// batching) and returns the exporter's background service, which must run for spans to leave the process.
    /// `nil` when tracing is not configured or was already installed.
    public static func bootstrap(serviceName: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (any Service)? {
        let wanted = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].contains { !(environment[$0] ?? "").isEmpty }
        let first = enabled.withLock { state in
            defer { if state == nil { state = wanted } }
            return state == nil
        }
        guard first, wanted else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false  // metrics are scraped from /metrics
        configuration.diagnosticLogLevel = .warning
        return try OTel.bootstrap(configuration: configuration, environment: environment)
    }

    /// Adds the current trace and span ids to every log line (`trace_id`, `span_id`).
    static var loggingMetadataProvider: Logger.MetadataProvider? {
        isEnabled ? OTel.makeLoggingMetadataProvider() : nil
    }
}

/// Trace context in the W3C `traceparent` form, for carrying a trace where no HTTP header goes: integration
/// events and persisted processes.
public enum TraceContext {
    /// The `traceparent` of the span being run, or of the request being served when tracing is off.
    public static func currentTraceparent() -> String? {
        if TracingSetup.isEnabled, let context = ServiceContext.current {
            var carrier: [String: String] = [:]
            InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
            if let traceparent = carrier["traceparent"] { return traceparent }
        }
        return RequestInfo.current?.headers[.traceparent]
    }

    /// Runs `body` in a span named `operation` that continues the trace `traceparent` names (or starts one).
    public static func withSpan<T>(
        _ operation: String, continuing traceparent: String?, ofKind kind: SpanKind = .internal,
        attributes: [String: String] = [:], isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async rethrows -> T {
        guard TracingSetup.isEnabled else { return try await body() }
        var context = ServiceContext.topLevel
        if let traceparent {
            InstrumentationSystem.instrument.extract(["traceparent": traceparent], into: &context, using: DictionaryExtractor())
        }
        return try await span(operation, in: context, kind: kind, attributes: attributes, isolation: isolation, body)
    }

    /// Runs `body` in a child span of the current one; nothing at all when tracing is off.
    public static func withChildSpan<T>(
        _ operation: String, ofKind kind: SpanKind = .internal, attributes: [String: String] = [:],
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async rethrows -> T {
        guard TracingSetup.isEnabled else { return try await body() }
        return try await span(operation, in: ServiceContext.current ?? .topLevel, kind: kind, attributes: attributes, isolation: isolation, body)
    }

    private static func span<T>(
        _ operation: String, in context: ServiceContext, kind: SpanKind, attributes: [String: String],
        isolation: isolated (any Actor)?, _ body: () async throws -> T
    ) async rethrows -> T {
        try await Tracing.withSpan(operation, context: context, ofKind: kind, isolation: isolation) { span in
            for (key, value) in attributes { span.attributes[key] = value }
            return try await body()
        }
    }
}

/// A span for code that runs on an event loop, outside any task: started by hand, ended by whoever started it.
public struct ManualSpan {
    let span: any Span

    /// A span continuing the trace `traceparent` names (or starting one); `nil` when tracing is off.
    public static func start(_ operation: String, continuing traceparent: String?, ofKind kind: SpanKind, attributes: [String: String] = [:]) -> ManualSpan? {
        guard TracingSetup.isEnabled else { return nil }
        var context = ServiceContext.topLevel
        if let traceparent {
            InstrumentationSystem.instrument.extract(["traceparent": traceparent], into: &context, using: DictionaryExtractor())
        }
        let span = startSpan(operation, context: context, ofKind: kind)
        for (key, value) in attributes { span.attributes[key] = value }
        return ManualSpan(span: span)
    }

    /// The `traceparent` that makes a callee's spans children of this one.
    public var traceparent: String? {
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(span.context, into: &carrier, using: DictionaryInjector())
        return carrier["traceparent"]
    }

    public func setAttribute(_ key: String, _ value: String) { span.attributes[key] = value }

    public func setError(_ error: any Error) {
        span.recordError(error)
        span.setStatus(SpanStatus(code: .error))
    }

    public func end() { span.end() }
}

struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}

struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}
