import Foundation
import RegistryApplication
import RegistryDomain
import Synchronization
import Testing

@Suite struct KeyValueStoreTests {
    /// The store's rules without a database: one index for every write, deletes counted.
    final class MemoryRepository: KeyValueRepository {
        private let state = Mutex<(index: UInt64, deleted: UInt64, entries: [String: KeyValueEntry])>((1, 0, [:]))

        func currentIndex() async throws -> UInt64 { state.withLock { $0.index } }
        func lastDeleteIndex() async throws -> UInt64 { state.withLock { $0.deleted } }
        func entry(_ key: String) async throws -> KeyValueEntry? { state.withLock { $0.entries[key] } }
        func entries(withPrefix prefix: String) async throws -> [KeyValueEntry] {
            state.withLock { $0.entries.values.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key } }
        }
        func put(_ key: String, value: [UInt8], flags: UInt64, if condition: CheckAndSet?) async throws -> Bool {
            state.withLock { state in
                let current = state.entries[key]
                if let condition, !condition.admits(current) { return false }
                state.index += 1
                state.entries[key] = KeyValueEntry(key: key, value: value, flags: flags, createIndex: current?.createIndex ?? state.index, modifyIndex: state.index)
                return true
            }
        }
        func delete(_ key: String, recursive: Bool, if condition: CheckAndSet?) async throws -> Bool {
            state.withLock { state in
                let doomed = recursive ? state.entries.keys.filter { $0.hasPrefix(key) } : [key].filter { state.entries[$0] != nil }
                guard !doomed.isEmpty else { return true }
                state.index += 1
                state.deleted = state.index
                for key in doomed { state.entries[key] = nil }
                return true
            }
        }
    }

    let store = KeyValueStore(repository: MemoryRepository())
    let orders = Registrant.service("order-service")

    @Test func aBlockedReadWakesWhenItsKeyChangesAndNotBefore() async throws {
        #expect(try await store.put("config/dev/order-service/log.level", value: Array("info".utf8), flags: 0, if: nil, by: .operator))
        let first = try await store.read(.key("config/dev/order-service/log.level"), by: orders, after: nil, wait: .zero)
        async let changed = store.read(.key("config/dev/order-service/log.level"), by: orders, after: first.index, wait: .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        // Another key changes: the index of the store moves on, this key's does not, and the read keeps waiting.
        #expect(try await store.put("config/dev/order-service/other", value: [1], flags: 0, if: nil, by: .operator))
        try await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        #expect(try await store.put("config/dev/order-service/log.level", value: Array("debug".utf8), flags: 0, if: nil, by: .operator))
        let answer = try await changed
        #expect(answer.answer == .entries([KeyValueEntry(key: "config/dev/order-service/log.level", value: Array("debug".utf8), flags: 0, createIndex: 2, modifyIndex: 4)]))
        #expect(answer.index == 4)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aBlockedReadAnswersWhenItsWaitRunsOut() async throws {
        let started = ContinuousClock.now
        let answer = try await store.read(.prefix("config/"), by: .operator, after: 1, wait: .milliseconds(200))
        #expect(answer.answer.isEmpty && answer.index == 1)
        #expect(ContinuousClock.now - started >= .milliseconds(150))
    }

    @Test func listingsShowOnlyWhatTheCallerMayReadAndKeysAreCutAtTheSeparator() async throws {
        for key in ["config/dev/order-service/a", "config/dev/order-service/b/c", "config/dev/shared/x", "config/dev/cart-service/y"] {
            #expect(try await store.put(key, value: [1], flags: 0, if: nil, by: .operator))
        }
        let listing = try await store.read(.prefix("config/dev/"), by: orders, after: nil, wait: .zero)
        guard case .entries(let entries) = listing.answer else { Issue.record("not entries"); return }
        #expect(entries.map(\.key) == ["config/dev/order-service/a", "config/dev/order-service/b/c", "config/dev/shared/x"])
        let keys = try await store.read(.keys(prefix: "config/dev/order-service/", separator: "/"), by: orders, after: nil, wait: .zero)
        #expect(keys.answer == .keys(["config/dev/order-service/a", "config/dev/order-service/b/"]))
        let all = try await store.read(.keys(prefix: "config/", separator: "/"), by: .operator, after: nil, wait: .zero)
        #expect(all.answer == .keys(["config/dev/"]))
    }

    @Test func aServiceMayNotWriteNorReadAnotherServicesKey() async throws {
        await #expect(throws: RegistryError.self) { try await store.put("config/dev/order-service/a", value: [], flags: 0, if: nil, by: orders) }
        await #expect(throws: RegistryError.self) { try await store.delete("config/dev/order-service/", recursive: true, if: nil, by: orders) }
        await #expect(throws: RegistryError.self) { try await store.read(.key("config/dev/cart-service/a"), by: orders, after: nil, wait: .zero) }
        await #expect(throws: RegistryError.self) { try await store.put("/absolute", value: [], flags: 0, if: nil, by: .operator) }
        #expect(try await store.read(.prefix(""), by: .operator, after: nil, wait: .zero).answer.isEmpty, "nothing was written")
    }
}
