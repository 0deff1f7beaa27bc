/// A person's display name: trimmed, 1 to 100 characters, no control characters.
public struct DisplayName: Hashable, Sendable, CustomStringConvertible {
    public static let maximumLength = 100
    public let value: String

    public init(_ raw: String) throws(UserError) {
        let trimmed = raw.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .invalidDisplayName("displayName must not be empty") }
        guard trimmed.count <= Self.maximumLength else {
            throw .invalidDisplayName("displayName must be at most \(Self.maximumLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidDisplayName("displayName must not contain control characters")
        }
        value = trimmed
    }

    public var description: String { value }
}
