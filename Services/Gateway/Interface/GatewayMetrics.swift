import GatewayDomain
import Metrics

/// Per route and upstream service: requests by status class and upstream latency, under `gateway_*`.
enum GatewayMetrics {
    static func record(route: Route, status: Int, upstreamDuration: Duration?) {
        let dimensions = [("route", route.name), ("service", route.service), ("status", "\(status / 100)xx")]
        Counter(label: "gateway_requests_total", dimensions: dimensions).increment()
        if let upstreamDuration {
            Metrics.Timer(label: "gateway_upstream_duration_seconds", dimensions: [("route", route.name), ("service", route.service)])
                .record(duration: upstreamDuration)
        }
    }
}
