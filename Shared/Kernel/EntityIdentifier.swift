import Foundation

/// A typed identifier: a UUID that cannot be mixed up with another entity's.
public protocol EntityIdentifier: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible
where RawValue == UUID {
    init(rawValue: UUID)
}

extension EntityIdentifier {
    public var description: String { rawValue.lowercasedString }

    /// Parses the canonical string form; `nil` when it is not a UUID.
    public init?(_ string: String) {
        guard let uuid = UUID(uuidString: string) else { return nil }
        self.init(rawValue: uuid)
    }
}
