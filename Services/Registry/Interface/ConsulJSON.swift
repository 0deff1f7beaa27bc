import Foundation

/// Reads JSON the way Consul's Go decoder does: object keys match field names in any case, and the snake_case
/// spellings Consul also accepts (`deregister_critical_service_after`, `tls_skip_verify`) match too. The keys of
/// maps that hold user data (`Meta`, `Header`, `TaggedAddresses`) are kept exactly as sent.
enum ConsulJSON {
    /// Fields whose value is a map of the client's own keys.
    static let userMaps: Set<String> = ["meta", "header", "taggedaddresses", "nodemeta"]

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            let key = path[path.count - 1]
            if path.count >= 2, key.intValue == nil, userMaps.contains(normalized(path[path.count - 2].stringValue)) { return key }
            return Key(stringValue: normalized(key.stringValue))
        }
        return decoder
    }

    static func normalized(_ key: String) -> String {
        key.lowercased().replacingOccurrences(of: "_", with: "")
    }

    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Consul's spelling of a field, for messages: `deregistercriticalserviceafter` → `DeregisterCriticalServiceAfter`.
    static let displayNames: [String: String] = Dictionary(uniqueKeysWithValues: [
        "ID", "Name", "Address", "Port", "Tags", "Meta", "Check", "Checks", "CheckID", "TTL", "HTTP", "TCP", "Method", "Header",
        "Body", "Interval", "Timeout", "DeregisterCriticalServiceAfter", "Status", "Notes", "Output", "TLSSkipVerify", "Kind",
        "EnableTagOverride", "Weights", "TaggedAddresses",
    ].map { (normalized($0), $0) })

    static func describe(_ path: [any CodingKey]) -> String {
        path.map { key in key.intValue.map { "[\($0)]" } ?? displayNames[key.stringValue] ?? key.stringValue }
            .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    /// A decoding failure as a sentence that names the field.
    static func explain(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            "\(describe(context.codingPath)) must be \(Self.name(of: type))"
        case .valueNotFound(let type, let context):
            "\(describe(context.codingPath)) must be \(Self.name(of: type)), not null"
        case .keyNotFound(let key, let context):
            "\(describe(context.codingPath + [key])) is required"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            "the body is not valid JSON"
        case .dataCorrupted(let context):
            "\(describe(context.codingPath)) is not valid: \(context.debugDescription)"
        @unknown default:
            "the body does not match the expected document"
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is [String].Type, is [Any].Type: "a list"
        default: type == [String: String].self || type == [String: [String]].self ? "an object" : "\(type)"
        }
    }
}
