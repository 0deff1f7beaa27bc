import Foundation

/// One key of the registry's key/value store, as Consul's KV keeps it: the value is bytes, `flags` an opaque number
/// clients use as they like, and the two indexes say when the key was created and last changed.
public struct KeyValueEntry: Sendable, Equatable {
    public let key: String
    public var value: [UInt8]
    public var flags: UInt64
    public let createIndex: UInt64
    public var modifyIndex: UInt64

    public init(key: String, value: [UInt8], flags: UInt64, createIndex: UInt64, modifyIndex: UInt64) {
        self.key = key
        self.value = value
        self.flags = flags
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }

    /// Consul's limit on one value.
    public static let maximumValueBytes = 512 * 1024
    public static let maximumKeyBytes = 512

    /// A key is 1 to 512 bytes of UTF-8 without control characters and without a leading `/`; a prefix (for
    /// `recurse`, `keys` and recursive deletes) may also be empty.
    public static func checkKey(_ key: String, isPrefix: Bool = false) throws(RegistryError) {
        guard !key.isEmpty || isPrefix else { throw .invalidKey("the key is empty: name one after /v1/kv/") }
        guard key.utf8.count <= maximumKeyBytes else { throw .invalidKey("the key is longer than \(maximumKeyBytes) bytes") }
        guard !key.hasPrefix("/") else { throw .invalidKey("a key does not start with '/'") }
        guard !key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidKey("the key holds a control character")
        }
    }

    public static func checkValue(_ value: [UInt8]) throws(RegistryError) {
        guard value.count <= maximumValueBytes else { throw .valueTooLarge(maximumValueBytes) }
    }
}

/// What a write to the store is conditioned on: Consul's `?cas=`. `0` means "only if the key does not exist yet",
/// any other index "only if the key's ModifyIndex is still that".
public struct CheckAndSet: Sendable, Equatable {
    public let index: UInt64

    public init(_ index: UInt64) { self.index = index }

    public func admits(_ current: KeyValueEntry?) -> Bool {
        index == 0 ? current == nil : current?.modifyIndex == index
    }
}

/// Who may read and write which keys. Configuration lives under `config/<environment>/<service>/…` and
/// `config/<environment>/shared/…`: a service (or a settings reader) reads its own and the shared settings of every
/// environment, and writes none; the operator reads and writes everything.
extension Registrant {
    public func mayRead(key: String) -> Bool {
        switch self {
        case .operator: return true
        case .service(let name), .settingsReader(let name):
            let parts = key.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 4, parts[0] == "config", !parts[1].isEmpty else { return false }
            return parts[2] == name || parts[2] == "shared"
        }
    }

    public func mayWrite(key: String) -> Bool { self == .operator }
}
