import Configuration
import Foundation

/// A configuration value that is present but unusable. The process prints it and stops at start.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let reason: String

    public init(variable: String, reason: String) {
        self.variable = variable
        self.reason = reason
    }

    public var description: String { "invalid configuration: \(variable) \(reason)" }
}

/// Reads a service's settings from environment variables (12-factor) through swift-configuration.
/// A missing variable yields the default; a present but malformed one throws a ``ConfigurationError``
/// naming the variable, so a typo never silently falls back to a default.
public struct ServiceEnvironment: Sendable {
    private let reader: ConfigReader

    public init(reader: ConfigReader) { self.reader = reader }

    /// The process environment.
    public static func process() -> ServiceEnvironment {
        ServiceEnvironment(reader: ConfigReader(provider: EnvironmentVariablesProvider()))
    }

    /// A fixed set of variables, for tests and for the CLI starting child processes.
    public init(_ variables: [String: String]) {
        self.init(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables)))
    }

    public func string(_ variable: String) -> String? {
        guard let value = reader.string(forKey: Self.key(variable), isSecret: Self.isSecret(variable)) else { return nil }
        return value.isEmpty ? nil : value
    }

    public func string(_ variable: String, default defaultValue: String) -> String {
        string(variable) ?? defaultValue
    }

    public func int(_ variable: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let raw = string(variable) else { return defaultValue }
        guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ConfigurationError(variable: variable, reason: "must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
        }
        return value
    }

    public func bool(_ variable: String, default defaultValue: Bool) throws -> Bool {
        guard let raw = string(variable) else { return defaultValue }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: variable, reason: "must be true or false, got '\(raw)'")
        }
    }

    /// One of a fixed set of words, e.g. `LOG_FORMAT=text|json`.
    public func choice<Value: RawRepresentable & CaseIterable>(_ variable: String, default defaultValue: Value) throws -> Value
    where Value.RawValue == String {
        guard let raw = string(variable) else { return defaultValue }
        guard let value = Value(rawValue: raw.lowercased()) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: variable, reason: "must be one of \(allowed), got '\(raw)'")
        }
        return value
    }

    public func url(_ variable: String, default defaultValue: String? = nil) throws -> URL? {
        guard let raw = string(variable) ?? defaultValue else { return nil }
        guard let url = URL(string: raw), url.scheme != nil, url.host != nil || url.scheme == "file" else {
            throw ConfigurationError(variable: variable, reason: "must be an absolute URL, got '\(raw)'")
        }
        return url
    }

    /// `DATABASE_URL` → `database.url`; the environment provider maps it back.
    private static func key(_ variable: String) -> ConfigKey {
        ConfigKey(variable.lowercased().split(separator: "_").map(String.init))
    }

    private static func isSecret(_ variable: String) -> Bool {
        ["PASSWORD", "SECRET", "KEY", "TOKEN", "DATABASE_URL"].contains { variable.contains($0) }
    }
}
