import Hummingbird
import Metrics
import NIOCore
import Prometheus
import Synchronization

/// One Prometheus registry per process, installed as the swift-metrics backend exactly once
/// (tests build many applications in one process; a second bootstrap would crash).
public enum MetricsSetup {
    private static let state = Mutex<PrometheusCollectorRegistry?>(nil)

    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        state.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: created)
            // Request durations in seconds, with buckets from 1 ms to 10 s.
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .milliseconds(2500), .seconds(5), .seconds(10),
            ]
            MetricsSystem.bootstrap(factory)
            registry = created
            return created
        }
    }

    /// `GET /metrics` in the Prometheus text format; `refresh` first brings gauges that describe current state up
    /// to date.
    public static func addRoute<Context: RequestContext>(
        to router: Router<Context>, registry: PrometheusCollectorRegistry, refresh: (@Sendable () async -> Void)? = nil
    ) {
        router.get("/metrics") { _, _ -> Response in
            await refresh?()
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16 * 1024)
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
    }
}
