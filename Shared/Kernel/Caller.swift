/// Who is asking, as the verified access token says: a user id or a machine client id with its roles (and, for a
/// machine client, its scopes), or nobody.
/// Every context's use cases take this one type; the Interface builds it from the runtime's principal.
public struct Caller: Sendable, Hashable {
    /// `nil` for an anonymous caller.
    public let subject: String?
    public let roles: Set<String>
    public let scopes: Set<String>

    public init(subject: String?, roles: Set<String>, scopes: Set<String> = []) {
        self.subject = subject
        self.roles = roles
        self.scopes = scopes
    }

    public static let anonymous = Caller(subject: nil, roles: [])

    public func has(role: String) -> Bool { roles.contains(role) }
    public var isAdmin: Bool { has(role: "admin") }
    public func has(scope: String) -> Bool { scopes.contains(scope) }
}
