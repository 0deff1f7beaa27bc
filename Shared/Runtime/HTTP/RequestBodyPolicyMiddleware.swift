import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Refuses request bodies over `maximumBytes` (413), whether announced by `Content-Length` or streamed,
/// and bodies whose media type the service does not read (415).
public struct RequestBodyPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let maximumBytes: Int
    let acceptedMediaTypes: Set<String>

    public init(maximumBytes: Int, acceptedMediaTypes: Set<String> = ["application/json", "application/x-www-form-urlencoded"]) {
        self.maximumBytes = maximumBytes
        self.acceptedMediaTypes = acceptedMediaTypes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let declaredLength = request.headers[.contentLength].flatMap { Int($0) }
        let hasBody = (declaredLength ?? 0) > 0 || request.headers[.transferEncoding] != nil
        guard hasBody else { return try await next(request, context) }
        if let declaredLength, declaredLength > maximumBytes { throw tooLarge() }
        let mediaType = request.headers[.contentType]?.split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard acceptedMediaTypes.contains(mediaType) || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw Problem(
                "unsupported-media-type", title: "Unsupported media type", status: .unsupportedMediaType,
                detail: mediaType.isEmpty
                    ? "the request has a body but no Content-Type"
                    : "Content-Type '\(mediaType.prefix(80))' is not accepted; use one of \(acceptedMediaTypes.sorted().joined(separator: ", "))"
            )
        }
        var request = request
        let limit = maximumBytes, problem = tooLarge()
        let limited = LimitedBody(base: request.body, limit: limit, error: problem)
        request.body = RequestBody(asyncSequence: limited)
        return try await next(request, context)
    }

    private func tooLarge() -> Problem {
        Problem("content-too-large", title: "Request body too large", status: .contentTooLarge,
                detail: "the body must be at most \(maximumBytes) bytes")
    }
}

/// Passes the body through and fails as soon as more than `limit` bytes have arrived.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int
    let error: Problem

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        let error: Problem
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            seen += buffer.readableBytes
            if seen > limit { throw error }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit, error: error)
    }
}
