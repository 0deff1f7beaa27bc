import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// Refuses request bodies over `maximumBytes` (413), whether announced by `Content-Length` or streamed,
/// and bodies whose media type the service does not read (415).
public struct RequestBodyPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let maximumBytes: Int
    let acceptedMediaTypes: Set<String>

    public static var standardMediaTypes: Set<String> { ["application/json", "application/x-www-form-urlencoded"] }

    public init(maximumBytes: Int, acceptedMediaTypes: Set<String> = standardMediaTypes) {
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
        // Service APIs read whole JSON or form documents, so the body is collected here, bounded, once: the
        // handler then reads it from memory, and a parse failure can be explained with a position.
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge()
        }
        var request = request
        request.body = RequestBody(buffer: buffer)
        do {
            return try await next(request, context)
        } catch let error where mediaType.hasSuffix("json") && Self.isSyntaxError(error) {
            throw Problem.badRequest("the body is not valid JSON: \(Self.syntaxProblem(in: buffer))")
        }
    }

    private func tooLarge() -> Problem {
        Problem("content-too-large", title: "Request body too large", status: .contentTooLarge,
                detail: "the body must be at most \(maximumBytes) bytes")
    }

    /// A decoding failure at the top level of the document: the bytes are not JSON at all.
    static func isSyntaxError(_ error: any Error) -> Bool {
        switch error {
        case DecodingError.dataCorrupted(let context): context.codingPath.isEmpty
        case let error as ServerError: isSyntaxError(error.underlyingError)
        default: false
        }
    }

    /// Foundation's JSON parser says where it stopped ("Invalid value around character 10.").
    public static func syntaxProblem(in buffer: ByteBuffer) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView), options: [.fragmentsAllowed])
            return "it does not match the expected document"
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "it could not be parsed"
        }
    }
}
