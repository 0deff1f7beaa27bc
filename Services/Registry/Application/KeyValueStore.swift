import Foundation
import RegistryDomain

/// The registry's key/value store, Consul's KV: reads that can block until what they read changes past a given
/// index, and writes and deletes that may be conditioned on an index (check-and-set). Who may read or write a key
/// is the ``Registrant``'s rule.
public actor KeyValueStore {
    public enum Read: Sendable, Equatable {
        case key(String)
        /// Every entry under the prefix (`?recurse`).
        case prefix(String)
        /// The keys under the prefix, cut after the first `separator` past it (`?keys&separator=/`).
        case keys(prefix: String, separator: String?)
    }

    public enum Answer: Sendable, Equatable {
        case entries([KeyValueEntry])
        case keys([String])

        public var isEmpty: Bool {
            switch self {
            case .entries(let entries): entries.isEmpty
            case .keys(let keys): keys.isEmpty
            }
        }
    }

    private let repository: any KeyValueRepository
    private let writes = ChangeSignal()

    /// Why a value cannot be stored under a key (a setting of the wrong form), or `nil`.
    private let valueProblem: @Sendable (_ key: String, _ value: [UInt8]) -> String?

    public init(repository: any KeyValueRepository, valueProblem: @escaping @Sendable (_ key: String, _ value: [UInt8]) -> String? = { _, _ in nil }) {
        self.repository = repository
        self.valueProblem = valueProblem
    }

    /// What `read` names that `registrant` may see, as soon as its index is past `index` (at once when `index` is
    /// nil or already behind), or when `wait` runs out; with that index.
    public func read(_ read: Read, by registrant: Registrant, after index: UInt64?, wait: Duration) async throws -> (index: UInt64, answer: Answer) {
        switch read {
        case .key(let key):
            try KeyValueEntry.checkKey(key)
            guard registrant.mayRead(key: key) else { throw RegistryError.forbidden("\(registrant.description) may not read '\(key.prefix(128))'") }
        case .prefix(let prefix), .keys(let prefix, _):
            try KeyValueEntry.checkKey(prefix, isPrefix: true)
        }
        let deadline = ContinuousClock.now + min(wait, ServiceRegistry.maximumWait)
        while true {
            let seen = writes.generation
            let current = try await answer(read, for: registrant)
            guard let index, current.index <= index, !writes.isClosed, ContinuousClock.now < deadline else { return current }
            await writes.wait(ifStill: seen, until: deadline)
        }
    }

    public func put(_ key: String, value: [UInt8], flags: UInt64, if condition: CheckAndSet?, by registrant: Registrant) async throws -> Bool {
        try KeyValueEntry.checkKey(key)
        try KeyValueEntry.checkValue(value)
        guard registrant.mayWrite(key: key) else { throw RegistryError.forbidden("\(registrant.description) may not write '\(key.prefix(128))': writes need the operator's token") }
        if let problem = valueProblem(key, value) { throw RegistryError.invalidValue(problem) }
        let written = try await repository.put(key, value: value, flags: flags, if: condition)
        if written { writes.signal() }
        return written
    }

    public func delete(_ key: String, recursive: Bool, if condition: CheckAndSet?, by registrant: Registrant) async throws -> Bool {
        try KeyValueEntry.checkKey(key, isPrefix: recursive)
        guard registrant.mayWrite(key: key) else { throw RegistryError.forbidden("\(registrant.description) may not delete '\(key.prefix(128))': writes need the operator's token") }
        let deleted = try await repository.delete(key, recursive: recursive, if: condition)
        if deleted { writes.signal() }
        return deleted
    }

    /// Answers every blocked read now, and later ones at once: the registry is shutting down.
    public func releaseWaiters() {
        writes.close()
    }

    /// A key's index is its ModifyIndex; a listing's the highest ModifyIndex in it or the last delete, whichever is
    /// later; an empty answer's the store's index.
    private func answer(_ read: Read, for registrant: Registrant) async throws -> (index: UInt64, answer: Answer) {
        switch read {
        case .key(let key):
            guard let entry = try await repository.entry(key) else { return (try await repository.currentIndex(), .entries([])) }
            return (entry.modifyIndex, .entries([entry]))
        case .prefix(let prefix):
            let entries = try await repository.entries(withPrefix: prefix).filter { registrant.mayRead(key: $0.key) }
            return (try await listingIndex(entries), .entries(entries))
        case .keys(let prefix, let separator):
            let entries = try await repository.entries(withPrefix: prefix).filter { registrant.mayRead(key: $0.key) }
            var keys: [String] = [], seen: Set<String> = []
            for entry in entries {
                var key = entry.key
                if let separator, !separator.isEmpty, let cut = key.dropFirst(prefix.count).range(of: separator) {
                    key = String(key[..<cut.upperBound])
                }
                if seen.insert(key).inserted { keys.append(key) }
            }
            return (try await listingIndex(entries), .keys(keys))
        }
    }

    private func listingIndex(_ entries: [KeyValueEntry]) async throws -> UInt64 {
        guard let newest = entries.map(\.modifyIndex).max() else { return try await repository.currentIndex() }
        return max(newest, try await repository.lastDeleteIndex())
    }
}
