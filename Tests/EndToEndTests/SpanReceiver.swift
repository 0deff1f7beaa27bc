import Foundation
import Hummingbird
import Logging
import Synchronization

/// An OTLP/HTTP receiver in the test process: the stack's services export their spans to it (JSON encoding),
/// and the test reads them back by trace.
final class SpanReceiver: Sendable {
    struct ReceivedSpan: Sendable, Equatable {
        let service: String
        let name: String
        let traceID: String
        let spanID: String
        let parentSpanID: String?
    }

    private let spans = Mutex<[ReceivedSpan]>([])
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let boundPort = Mutex<Int?>(nil)

    /// Starts listening on an ephemeral 127.0.0.1 port; returns the endpoint to put in `OTEL_EXPORTER_OTLP_ENDPOINT`.
    func start() async throws -> String {
        let router = Router()
        router.post("/v1/traces") { [weak self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            self?.record(Data(body.readableBytesView))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        var logger = Logger(label: "span-receiver")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { [self] channel in boundPort.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        task.withLock { $0 = Task { try await app.runService(gracefulShutdownSignals: []) } }
        for _ in 0..<100 {
            if let port = boundPort.withLock({ $0 }) { return "http://127.0.0.1:\(port)" }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CancellationError()
    }

    func stop() { task.withLock { $0?.cancel() } }

    /// Every service that has sent a span, with how many.
    var services: [String: Int] {
        spans.withLock { spans in spans.reduce(into: [:]) { $0[$1.service, default: 0] += 1 } }
    }

    func spans(inTrace traceID: String) -> [ReceivedSpan] {
        spans.withLock { $0.filter { $0.traceID == traceID } }
    }

    /// OTLP JSON: resourceSpans[] → resource.attributes (service.name) and scopeSpans[] → spans[]. Ids are hex per
    /// the OTLP specification, or base64 as protobuf's JSON mapping writes bytes; both are read as hex.
    private func record(_ body: Data) {
        guard let root = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let resourceSpans = root["resourceSpans"] as? [[String: Any]] else { return }
        var received: [ReceivedSpan] = []
        for resource in resourceSpans {
            let attributes = (resource["resource"] as? [String: Any])?["attributes"] as? [[String: Any]] ?? []
            let service = attributes.first { $0["key"] as? String == "service.name" }
                .flatMap { ($0["value"] as? [String: Any])?["stringValue"] as? String } ?? "?"
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    guard let name = span["name"] as? String, let traceID = Self.hex(span["traceId"]), let spanID = Self.hex(span["spanId"]) else { continue }
                    received.append(ReceivedSpan(service: service, name: name, traceID: traceID, spanID: spanID, parentSpanID: Self.hex(span["parentSpanId"])))
                }
            }
        }
        spans.withLock { $0 += received }
    }

    static func hex(_ value: Any?) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        if text.count % 2 == 0, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text) else { return nil }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
