import HTTPTypes
import Hummingbird
import Synchronization

/// Headers a handler wants on its response verbatim. Generated OpenAPI servers percent-encode header values they
/// serialize, which mangles an `ETag` (`"3"`) or a `Location` path, so handlers put such headers here instead
/// and ``ResponseHeadersMiddleware`` copies them onto the response.
public enum ResponseHeaders {
    final class Box: Sendable {
        let fields = Mutex(HTTPFields())
    }

    @TaskLocal static var current: Box?

    public static func set(_ name: HTTPField.Name, _ value: String) {
        current?.fields.withLock { $0[name] = value }
    }

    /// A strong entity tag for a version number: `"3"`.
    public static func setETag(version: Int) { set(.eTag, "\"\(version)\"") }

    /// The version an `If-Match` value names (`"3"`, `W/"3"` is refused since updates need a strong match);
    /// `nil` for anything else.
    public static func version(fromIfMatch value: String) -> Int? {
        let trimmed = value.filter { $0 != " " }
        guard trimmed.count >= 3, trimmed.first == "\"", trimmed.last == "\"" else { return nil }
        return Int(trimmed.dropFirst().dropLast())
    }
}

public struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let box = ResponseHeaders.Box()
        var response = try await ResponseHeaders.$current.withValue(box) { try await next(request, context) }
        for field in box.fields.withLock({ $0 }) { response.headers[field.name] = field.value }
        return response
    }
}
