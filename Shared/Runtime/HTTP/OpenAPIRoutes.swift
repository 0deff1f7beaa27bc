import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// A context's generated OpenAPI handlers on its Hummingbird router: `try api.registerHandlers(on:
/// OpenAPIRoutes(router), configuration: .tradewind)`.
///
/// It does what swift-openapi-hummingbird's transport does, except for one thing. A response body that is already
/// whole (every JSON answer the generated code encodes) goes to Hummingbird as one buffer, so head and body leave in
/// one write. That transport streams every body, so each answer went out in two `write` calls and two TCP segments,
/// and the caller often woke twice to read it. Bodies of unknown length, or longer than ``wholeBodyLimit``, are still
/// streamed.
public struct OpenAPIRoutes<Context: RequestContext>: ServerTransport {
    /// The largest body of known length gathered before the head goes out.
    public static var wholeBodyLimit: Int { 1 << 20 }

    let router: Router<Context>

    public init(_ router: Router<Context>) {
        self.router = router
    }

    public func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        router.on(RouterPath(path), method: method) { request, context in
            let length = request.headers[.contentLength].flatMap { Int64($0) }.map(HTTPBody.Length.known) ?? .unknown
            let body = HTTPBody(request.body.map { [UInt8](buffer: $0) }, length: length, iterationBehavior: .single)
            let parameters = [String: Substring](context.parameters.map { (String($0.0), $0.1) }) { first, _ in first }
            let (head, responseBody) = try await handler(request.head, body, ServerRequestMetadata(pathParameters: parameters))
            return Response(status: head.status, headers: head.headerFields, body: try await Self.responseBody(responseBody))
        }
    }

    static func responseBody(_ body: HTTPBody?) async throws -> ResponseBody {
        guard let body else { return ResponseBody(byteBuffer: ByteBuffer()) }
        if case .known(let length) = body.length, length <= wholeBodyLimit {
            var whole = ByteBuffer()
            whole.reserveCapacity(Int(length))
            for try await chunk in body { whole.writeBytes(chunk) }
            return ResponseBody(byteBuffer: whole)
        }
        let buffers = body.map { ByteBuffer(bytes: $0) }
        guard case .known(let length) = body.length else { return ResponseBody(asyncSequence: buffers) }
        return ResponseBody(contentLength: Int(length)) { writer in
            for try await buffer in buffers { try await writer.write(buffer) }
            try await writer.finish(nil)
        }
    }
}
