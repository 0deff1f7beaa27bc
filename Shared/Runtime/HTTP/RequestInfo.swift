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

    @TaskLocal public static var current: RequestInfo?
}
