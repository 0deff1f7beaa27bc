import Foundation
import Hummingbird
import Logging
import SQLKit
import StorefrontInfrastructure
import Synchronization
import Testing
import TradewindRuntime
import TradewindTesting

@Suite struct SQLSessionStoreTests {
    struct Stored: Codable, Equatable {
        var cart: String
    }

    final class Now: Sendable {
        let value = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    @Test(arguments: TestDatabases.available)
    func sessionsAreKeptUntilTheyExpireUnderAHashOfTheirKey(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await SQLSessionStore.migrator.migrate(store, logger: Logger(label: "test"))
            let now = Now()
            let sessions = SQLSessionStore(store: store, now: { now.value.withLock { $0 } })

            try await sessions.create(key: "shopper.abc", value: Stored(cart: "g1"), expires: .seconds(60))
            await #expect(throws: PersistError.duplicate) { try await sessions.create(key: "shopper.abc", value: Stored(cart: "g2"), expires: .seconds(60)) }
            #expect(try await sessions.get(key: "shopper.abc", as: Stored.self) == Stored(cart: "g1"))
            #expect(try await sessions.getWithTTL(key: "shopper.abc", as: Stored.self)?.ttl == .seconds(60))
            let keys = try await store.read { try await $0.select().column("key_hash").from("shopper_sessions").all() }
                .map { try $0.decode(column: "key_hash", as: String.self) }
            #expect(keys.count == 1 && !keys[0].contains("abc"), "the table holds no session id")

            try await sessions.set(key: "shopper.abc", value: Stored(cart: "g3"), expires: .seconds(120))
            #expect(try await sessions.get(key: "shopper.abc", as: Stored.self) == Stored(cart: "g3"))
            await #expect(throws: PersistError.invalidConversion) { try await sessions.get(key: "shopper.abc", as: Int.self) }

            now.advance(121)
            #expect(try await sessions.get(key: "shopper.abc", as: Stored.self) == nil, "an expired session is never answered")
            try await sessions.create(key: "shopper.abc", value: Stored(cart: "g4"), expires: .seconds(60))
            #expect(try await sessions.get(key: "shopper.abc", as: Stored.self) == Stored(cart: "g4"), "an expired key may be created again")

            try await sessions.set(key: "shopper.old", value: Stored(cart: "x"), expires: .seconds(1))
            now.advance(2)
            #expect(try await sessions.deleteExpired(at: now.value.withLock { $0 }) == 1)
            try await sessions.remove(key: "shopper.abc")
            #expect(try await sessions.get(key: "shopper.abc", as: Stored.self) == nil)
        }
    }
}
