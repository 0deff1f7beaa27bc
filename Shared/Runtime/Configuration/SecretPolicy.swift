/// What a secret in the environment must not be: a placeholder copied from an example file, or something short or
/// repetitive enough to guess. Every service checks its secrets at start and refuses to run, naming the variable,
/// so an operator who forgot to replace a value finds out before an attacker does (SECURITY.md).
public enum SecretPolicy {
    public static let minimumLength = 16
    /// Fewer different characters than this is a pattern (`aaaa…`, `passwordpassword`), not a secret.
    public static let minimumDistinctCharacters = 8

    /// Words that mark a value as one to be replaced (`change-me-admin-password`, `derived-from-registry-secret`).
    static let placeholderMarkers = [
        "change-me", "changeme", "change_me", "replace-me", "replaceme", "placeholder", "derived-from", "your-secret", "example-secret",
    ]

    /// Why `value` is not acceptable as a secret, or `nil` when it is.
    public static func weakness(of value: String, minimumLength: Int = minimumLength) -> String? {
        if let marker = placeholderMarker(in: value) {
            return "is a placeholder ('\(marker)'); replace it with a random value, e.g. `openssl rand -hex 24`"
        }
        if value.count < minimumLength {
            return "is too short to be a secret (\(value.count) characters, at least \(minimumLength)); e.g. `openssl rand -hex 24`"
        }
        if Set(value.lowercased()).count < minimumDistinctCharacters {
            return "is too repetitive to be a secret (fewer than \(minimumDistinctCharacters) different characters); e.g. `openssl rand -hex 24`"
        }
        return nil
    }

    /// Whether `value` carries a placeholder marker; for values that need not be long (database passwords).
    public static func isPlaceholder(_ value: String) -> Bool { placeholderMarker(in: value) != nil }

    static func placeholderMarker(in value: String) -> String? {
        let lowered = value.lowercased()
        return placeholderMarkers.first { lowered.contains($0) }
    }
}

extension ServiceEnvironment {
    /// A secret variable, refused when it is a placeholder, short or repetitive (see ``SecretPolicy``).
    public func secret(_ variable: String, minimumLength: Int = SecretPolicy.minimumLength) throws -> String? {
        guard let value = string(variable) else { return nil }
        if let weakness = SecretPolicy.weakness(of: value, minimumLength: minimumLength) {
            throw ConfigurationError(variable: variable, reason: weakness)
        }
        return value
    }
}
