import HTTPTypes

/// Facts about the current request that generated handlers cannot see through their typed input:
/// the client's address and the raw header fields (e.g. `Authorization: Basic` on the OAuth token endpoint).
/// Bound by ``RequestIDMiddleware`` for the duration of the request.
public struct RequestInfo: Sendable {
    public let requestID: String
    /// The client as far as trusted proxies tell (see ``TrustedProxies``).
    public let clientAddress: String?
    /// The address of the connection's other end, which may be a proxy.
    public let peerAddress: String?
    public let headers: HTTPFields

    public init(requestID: String, clientAddress: String?, peerAddress: String? = nil, headers: HTTPFields) {
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.peerAddress = peerAddress ?? clientAddress
        self.headers = headers
    }

    /// The time the caller gave this request, when it said (`x-request-timeout-ms`: the gateway and the service
    /// clients send what is left of their own deadline).
    public var timeBudget: Duration? {
        guard let raw = headers[HTTPField.Name(ServiceClient.timeoutHeader)!], let milliseconds = Int64(raw), milliseconds > 0 else { return nil }
        return .milliseconds(milliseconds)
    }

    @TaskLocal public static var current: RequestInfo?
}
