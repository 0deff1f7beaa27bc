import HTTPTypes
import Hummingbird

/// While ``MaintenanceMode`` is on, refuses every request that would change something with 503 and `Retry-After`,
/// before it reaches a handler; reads (GET, HEAD, OPTIONS) go on.
public struct MaintenanceMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard MaintenanceMode.isOn, ![.get, .head, .options].contains(request.method) else { return try await next(request, context) }
        throw Problem(
            "maintenance", title: "Down for maintenance", status: .serviceUnavailable,
            detail: "the service is in maintenance and accepts no changes for now; reads go on. Try again later.",
            headers: [.retryAfter: String(MaintenanceMode.retryAfterSeconds)]
        )
    }
}
