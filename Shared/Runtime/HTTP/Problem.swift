import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem detail. Throw it from anywhere in a request; the problem middleware renders it.
public struct Problem: Error, Equatable, Sendable, HTTPResponseError {
    /// A stable identifier of the kind of problem, e.g. `urn:tradewind:problem:validation-failed`.
    public var type: String
    public var title: String
    public var status: HTTPResponse.Status
    public var detail: String?
    /// Extra headers such as `Retry-After` or `WWW-Authenticate`.
    public var headers: HTTPFields

    public init(_ slug: String, title: String, status: HTTPResponse.Status, detail: String? = nil, headers: HTTPFields = [:]) {
        self.type = "urn:tradewind:problem:\(slug)"
        self.title = title
        self.status = status
        self.detail = detail
        self.headers = headers
    }

    public static let mediaType = "application/problem+json"

    public func response(instance: String?, requestID: String?) -> Response {
        var fields = headers
        fields[.contentType] = Self.mediaType
        return Response(status: status, headers: fields, body: .init(byteBuffer: body(instance: instance, requestID: requestID)))
    }

    /// The JSON document, for code that writes the response itself.
    public func body(instance: String?, requestID: String?) -> ByteBuffer {
        struct Body: Encodable {
            let type: String, title: String, status: Int, detail: String?, instance: String?, requestId: String?
        }
        let body = Body(type: type, title: title, status: Int(status.code), detail: detail, instance: instance, requestId: requestID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ByteBuffer(bytes: (try? encoder.encode(body)) ?? Data("{}".utf8))
    }

    /// The problem as a part of a larger answer (one entry of a batch's results).
    public struct Document: Codable, Sendable, Equatable {
        public let type: String
        public let title: String
        public let status: Int
        public let detail: String?
    }

    public var document: Document { Document(type: type, title: title, status: Int(status.code), detail: detail) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(instance: request.uri.path, requestID: request.headers[.requestID])
    }
}

extension Problem {
    public static func badRequest(_ detail: String) -> Problem {
        Problem("malformed-request", title: "The request is malformed", status: .badRequest, detail: detail)
    }

    public static func validation(_ detail: String) -> Problem {
        Problem("validation-failed", title: "The request is not valid", status: .unprocessableContent, detail: detail)
    }

    public static func notFound(_ detail: String) -> Problem {
        Problem("not-found", title: "Not found", status: .notFound, detail: detail)
    }

    public static func conflict(_ detail: String) -> Problem {
        Problem("conflict", title: "Conflict", status: .conflict, detail: detail)
    }

    public static func unauthorized(_ detail: String, challenge: String = "Bearer") -> Problem {
        Problem("unauthorized", title: "Authentication required", status: .unauthorized, detail: detail,
                headers: [.wwwAuthenticate: challenge])
    }

    public static func forbidden(_ detail: String) -> Problem {
        Problem("forbidden", title: "Not allowed", status: .forbidden, detail: detail)
    }

    public static func tooManyRequests(_ detail: String, retryAfterSeconds: Int) -> Problem {
        Problem("too-many-requests", title: "Too many requests", status: .tooManyRequests, detail: detail,
                headers: [.retryAfter: String(retryAfterSeconds)])
    }

    public static let internalError = Problem(
        "internal-error", title: "Internal server error", status: .internalServerError,
        detail: "The request failed unexpectedly; it has been logged with its request id."
    )
}

extension HTTPField.Name {
    public static let requestID = HTTPField.Name("x-request-id")!
    public static let xForwardedFor = HTTPField.Name("x-forwarded-for")!
}
