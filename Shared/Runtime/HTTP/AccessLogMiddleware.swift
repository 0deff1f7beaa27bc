import Foundation
import Hummingbird
import Logging

/// Logs every request once, when its response is known: method, route template, status, duration.
/// The request id comes from the logger metadata set by ``RequestIDMiddleware``. Routine traffic (health probes,
/// metrics scrapes, heartbeats: `quietRoutes`, as `METHOD /route`) is logged at debug unless it fails with a 5xx,
/// so that the info log shows the requests a person cares about.
public struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let quietRoutes: Set<String>

    /// Probes and scrapes, which arrive every few seconds from orchestrators and Prometheus.
    public static var operationalRoutes: Set<String> { ["GET /health/live", "GET /health/ready", "GET /metrics"] }

    public init(quietRoutes: Set<String> = operationalRoutes) {
        self.quietRoutes = quietRoutes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context: context, status: Int(response.status.code), since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, context: context, status: Int(status), since: start)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        let method = request.method == .head ? "GET" : request.method.rawValue
        let level: Logger.Level = switch (status >= 500, quietRoutes.contains("\(method) \(route)")) {
        case (true, true): .warning
        case (true, false): .error
        case (false, true): .debug
        case (false, false): .info
        }
        context.logger.log(
            level: level,
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(route),
                "status": .stringConvertible(status),
                "duration_ms": .string(LogFormat.milliseconds(elapsed)),
            ]
        )
    }
}
