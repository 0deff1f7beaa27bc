import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Maps a service's own errors (its domain error enum) to problems. Returns `nil` for errors it does not know.
public typealias ProblemMapper = @Sendable (any Error) -> Problem?

/// Turns every failure into `application/problem+json`. Known errors keep their meaning (400, 404, 405, 413,
/// 415, 422, …); anything else becomes a 500 that reveals nothing and is logged with its request id.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let mapService: ProblemMapper

    public init(mapping: @escaping ProblemMapper) { self.mapService = mapping }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = self.problem(for: error)
            // A problem a handler chose to answer (503 while a dependency is down) is not an unexpected failure.
            if problem.status.code >= 500, !(error is Problem) {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return problem.response(instance: request.uri.path, requestID: request.headers[.requestID])
        }
    }

    func problem(for error: any Error) -> Problem {
        if let problem = error as? Problem { return problem }
        if let mapped = mapService(error) { return mapped }
        switch error {
        case let error as ServerError:
            return problem(forServerError: error)
        case let error as DecodingError:
            return .badRequest(Self.describe(error))
        case let error as HTTPError:
            return Self.problem(for: error)
        case let error as any HTTPResponseError where error.status.code < 500:
            // A framework error that already knows its client-side status (e.g. a body over a collect limit).
            return Problem("http-\(error.status.code)", title: error.status.reasonPhrase, status: error.status, detail: nil)
        case is CancellationError:
            return Problem("unavailable", title: "Service unavailable", status: .serviceUnavailable, detail: "the server is shutting down")
        default:
            return .internalError
        }
    }

    /// Errors raised by the generated OpenAPI server code: decoding failures are the client's,
    /// failures inside a handler are whatever that handler threw.
    private func problem(forServerError error: ServerError) -> Problem {
        let underlying = error.underlyingError
        if underlying is ServerError || mapService(underlying) != nil || underlying is Problem || underlying is HTTPError {
            return problem(for: underlying)
        }
        if let decoding = underlying as? DecodingError { return .badRequest(Self.describe(decoding)) }
        let status = error.httpStatus
        switch status.code {
        case 415:
            return Problem("unsupported-media-type", title: "Unsupported media type", status: .unsupportedMediaType,
                           detail: "this operation does not accept the request's Content-Type")
        case 400..<500:
            return Problem("malformed-request", title: "The request is malformed", status: status,
                           detail: "\(error.causeDescription): \(Self.clientFacing(underlying))")
        default:
            return problem(for: underlying)
        }
    }

    static func problem(for error: HTTPError) -> Problem {
        switch error.status {
        case .notFound:
            return .notFound("no resource at this path")
        case .methodNotAllowed:
            return Problem("method-not-allowed", title: "Method not allowed", status: .methodNotAllowed,
                           detail: error.body ?? "this path does not support the method", headers: error.headers)
        case .contentTooLarge:
            return Problem("content-too-large", title: "Request body too large", status: .contentTooLarge, detail: error.body)
        default:
            return Problem("http-\(error.status.code)", title: error.status.reasonPhrase, status: error.status,
                           detail: error.body, headers: error.headers)
        }
    }

    /// "field `email`: expected String" rather than Foundation's internal description.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let components = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return components.isEmpty ? "body" : components.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "field '\(path(context))': expected \(type)"
        case .valueNotFound(let type, let context):
            return "field '\(path(context))': expected \(type) but found null"
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing required field '\(parent == "body" ? key.stringValue : "\(parent).\(key.stringValue)")'"
        case .dataCorrupted(let context):
            // The parser's own message carries the position ("… around line 1, column 31").
            let parserMessage = context.underlyingError.map { ($0 as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\($0)" }
            let message = [context.debugDescription, parserMessage].compactMap { $0 }.joined(separator: " ")
            return context.codingPath.isEmpty ? message : "field '\(path(context))': \(message)"
        @unknown default:
            return "the body could not be decoded"
        }
    }

    private static func clientFacing(_ error: any Error) -> String {
        if let decoding = error as? DecodingError { return describe(decoding) }
        return String(describing: error).prefix(300).description
    }
}
