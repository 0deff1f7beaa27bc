import AsyncHTTPClient
import ServiceLifecycle

/// Shuts an application's own HTTP client down when the application stops, after in-flight requests drained.
public struct HTTPClientShutdown: Service {
    let client: HTTPClient

    public init(_ client: HTTPClient) { self.client = client }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
