import Dispatch
import Hummingbird
import Metrics
import Synchronization

/// Hummingbird's `MetricsMiddleware`, with the same metrics (`hb.requests`, `http.server.request.duration`,
/// `hb.request.errors`, `http.server.active_requests`, same dimensions), recorded when the handler has answered
/// rather than after the body was written.
///
/// Hummingbird's version wraps every response body in a closure to run after the write. A wrapped body is always
/// streamed, so the head and a body that is already whole go out in two writes, on every answer of every service.
/// Recording when the answer is known keeps those bodies whole and the answer in one write. The duration then
/// leaves out handing the body to the socket, which is negligible for a body held in memory; for a streamed body
/// it ends when the head is ready. The services' answers are held in memory; the gateway relays its upstreams'
/// answers on its own channel, outside this middleware.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let metrics = RequestMetrics()

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = metrics.active(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let endpoint = metrics.endpoint(.init(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status))
            endpoint.requests.increment()
            endpoint.duration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let endpoint = metrics.endpoint(.init(route: context.endpointPath ?? "NotFound", method: request.method, status: status))
            endpoint.requests.increment()
            endpoint.errors.increment()
            throw error
        }
    }
}

/// The metric objects, made once per method and per route, method and status.
final class RequestMetrics: Sendable {
    struct Endpoint: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }

    struct EndpointMetrics: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter

        init(_ endpoint: Endpoint) {
            let dimensions = [
                ("http.route", endpoint.route),
                ("http.request.method", endpoint.method.description),
                ("http.response.status_code", endpoint.status.code.description),
            ]
            requests = Counter(label: "hb.requests", dimensions: dimensions)
            duration = Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds)
            errors = Counter(label: "hb.request.errors", dimensions: [
                ("http.route", endpoint.route),
                ("http.request.method", endpoint.method.description),
                ("error.type", endpoint.status.code.description),
            ])
        }
    }

    private let byMethod = Mutex<[HTTPRequest.Method: Meter]>([:])
    private let byEndpoint = Mutex<[Endpoint: EndpointMetrics]>([:])

    func active(_ method: HTTPRequest.Method) -> Meter {
        byMethod.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.description)])
            meters[method] = meter
            return meter
        }
    }

    func endpoint(_ endpoint: Endpoint) -> EndpointMetrics {
        byEndpoint.withLock { all in
            if let metrics = all[endpoint] { return metrics }
            let metrics = EndpointMetrics(endpoint)
            all[endpoint] = metrics
            return metrics
        }
    }
}
