import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Accepts a well-formed `x-request-id` or makes one, puts it on the request (for handlers and outgoing calls),
/// on the logger's metadata and on the response, and binds ``RequestInfo/current``.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    let trustedProxies: TrustedProxies

    public init(trustedProxies: TrustedProxies = .none) { self.trustedProxies = trustedProxies }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = RequestID.accepting(request.headers[.requestID])
        var head = request.head
        head.headerFields[.requestID] = requestID
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let peer = (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
        let clientAddress = trustedProxies.clientAddress(peer: peer, forwardedFor: request.headers[values: .xForwardedFor].joined(separator: ","))
        let info = RequestInfo(requestID: requestID, clientAddress: clientAddress, peerAddress: peer, headers: head.headerFields)
        var response = try await RequestInfo.$current.withValue(info) {
            try await next(Request(head: head, body: request.body), context)
        }
        response.headers[.requestID] = requestID
        return response
    }
}

/// The `x-request-id` of a request: the caller's when well-formed, else a new one.
public enum RequestID {
    public static func accepting(_ candidate: String?) -> String {
        candidate.flatMap(accept) ?? make()
    }

    /// A random prefix chosen once per process, then a counter: unique across processes without the cost of a
    /// random UUID per request.
    public static func make() -> String {
        prefix + String(counter.add(1, ordering: .relaxed).newValue, radix: 16)
    }

    private static let prefix: String = {
        var random = SystemRandomNumberGenerator()
        let high = String(random.next() as UInt64, radix: 16), low = String(random.next() as UInt32, radix: 16)
        return String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 8 - low.count) + low + "-"
    }()

    private static let counter = Atomic<UInt64>(0)

    /// Up to 128 visible ASCII characters; anything else is replaced, so logs cannot be forged with it.
    static func accept(_ candidate: String) -> String? {
        guard !candidate.isEmpty, candidate.utf8.count <= 128,
              candidate.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") })
        else { return nil }
        return candidate
    }
}
