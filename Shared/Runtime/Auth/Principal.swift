import TradewindKernel

/// The verified caller of the current request: a user id or a machine client id, its roles and (for a machine
/// client) its scopes.
/// Set by ``AuthenticationMiddleware`` for the duration of the request, read by handlers.
public struct Principal: Sendable, Equatable {
    public let subject: String
    public let roles: Set<String>
    public let scopes: Set<String>
    /// The bearer token itself, for forwarding to other services on the caller's behalf.
    public let token: String

    public init(subject: String, roles: Set<String>, scopes: Set<String> = [], token: String) {
        self.subject = subject
        self.roles = roles
        self.scopes = scopes
        self.token = token
    }

    @TaskLocal public static var current: Principal?
}

extension Principal {
    /// The caller as use cases take it.
    public var caller: Caller { Caller(subject: subject, roles: roles, scopes: scopes) }
}
