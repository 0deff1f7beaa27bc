/// A normalized e-mail address: trimmed and lower-cased, one `@`, a dotted domain, no spaces or controls.
public struct EmailAddress: Hashable, Sendable, CustomStringConvertible {
    public static let maximumLength = 254
    public let value: String

    public init(_ raw: String) throws(UserError) {
        let normalized = raw.trimmingWhitespace().lowercased()
        guard !normalized.isEmpty else { throw .invalidEmail("email must not be empty") }
        guard normalized.utf8.count <= Self.maximumLength else {
            throw .invalidEmail("email must be at most \(Self.maximumLength) characters")
        }
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, !local.isEmpty, local.utf8.count <= 64
        else { throw .invalidEmail("email must have the form name@domain") }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 }),
              labels.allSatisfy({ $0.first != "-" && $0.last != "-" }),
              domain.unicodeScalars.allSatisfy(Self.isDomainScalar)
        else { throw .invalidEmail("email domain is not valid") }
        guard local.unicodeScalars.allSatisfy(Self.isLocalScalar), local.first != ".", local.last != ".",
              !local.contains("..")
        else { throw .invalidEmail("email contains characters that are not allowed") }
        value = normalized
    }

    public var description: String { value }

    private static func isDomainScalar(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") || scalar == "-" || scalar == "."
    }

    private static func isLocalScalar(_ scalar: Unicode.Scalar) -> Bool {
        if isDomainScalar(scalar) { return true }
        return "_+!#$%&'*/=?^`{|}~".unicodeScalars.contains(scalar)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
