/// A plain-text password that satisfies the policy. It never leaves the process except as a hash.
/// bcrypt reads at most 72 bytes, so longer passwords are refused rather than silently truncated.
public struct Password: Sendable {
    public static let minimumLength = 8
    public static let maximumBytes = 72
    public let value: String

    public init(_ raw: String) throws(UserError) {
        guard raw.count >= Self.minimumLength else {
            throw .weakPassword("password must be at least \(Self.minimumLength) characters")
        }
        guard raw.utf8.count <= Self.maximumBytes else {
            throw .weakPassword("password must be at most \(Self.maximumBytes) bytes")
        }
        guard !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .weakPassword("password must not contain control characters")
        }
        guard Set(raw).count >= 4 else { throw .weakPassword("password must use at least 4 different characters") }
        value = raw
    }
}

/// A password hash as stored; opaque to the domain.
public struct PasswordHash: Hashable, Sendable {
    public let value: String
    public init(_ value: String) { self.value = value }
}
