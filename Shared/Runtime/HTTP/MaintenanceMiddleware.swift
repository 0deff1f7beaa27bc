import HTTPTypes
import Hummingbird

/// While its switch (the process's ``MaintenanceMode`` unless told otherwise) is on, refuses every request that
/// would change something with 503 and `Retry-After`, before it reaches a handler; reads (GET, HEAD, OPTIONS) go on.
public struct MaintenanceMiddleware<Context: RequestContext>: RouterMiddleware {
    let maintenance: LiveSwitch

    public init(switch maintenance: LiveSwitch = MaintenanceMode.live) {
        self.maintenance = maintenance
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard maintenance.isOn, ![.get, .head, .options].contains(request.method) else { return try await next(request, context) }
        throw Problem(
            "maintenance", title: "Down for maintenance", status: .serviceUnavailable,
            detail: "the service is in maintenance and accepts no changes for now; reads go on. Try again later.",
            headers: [.retryAfter: String(MaintenanceMode.retryAfterSeconds)]
        )
    }
}
