import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SQLKit
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// The transactional outbox, its relay, the inbox, and delivery over HTTP.
@Suite struct OutboxTests {
    static let migrator = Migrator([
        Outbox.migration(version: 1), Inbox.migration(version: 2), Outbox.aggregateIndexMigration(version: 3),
        Outbox.waitingOnlyIndexesMigration(version: 4),
    ])
    let logger = Logger(label: "outbox-test")

    /// A publisher that fails the first `failures` attempts of chosen events and records what it delivered.
    final class RecordingPublisher: EventPublisher {
        let failuresLeft: Mutex<[String: Int]>
        let delivered = Mutex<[String]>([])

        init(failing: [String: Int] = [:]) { failuresLeft = Mutex(failing) }

        func publish(_ event: IntegrationEvent) async throws {
            let fail = failuresLeft.withLock { left -> Bool in
                guard let count = left[event.id], count > 0 else { return false }
                left[event.id] = count - 1
                return true
            }
            if fail { throw EventDeliveryError(service: "consumer", status: 503) }
            delivered.withLock { $0.append(event.id) }
        }
    }

    final class Clock: Sendable {
        let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func now() -> Date { current.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    func event(_ id: String, aggregate: String, at date: Date) -> IntegrationEvent {
        IntegrationEvent(id: id, type: "ThingHappened", occurredAt: date, source: "test", aggregateID: aggregate, traceparent: nil, data: #"{"n":1}"#)
    }

    @Test(arguments: TestDatabases.available)
    func anEventIsInTheOutboxIffItsTransactionCommits(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await Self.migrator.migrate(store, logger: logger)
            struct Rollback: Error {}
            await #expect(throws: Rollback.self) {
                try await store.transaction { database in
                    try await Outbox.append(event("e1", aggregate: "a", at: Date()), in: database)
                    throw Rollback()
                }
            }
            #expect(try await Outbox.backlog(in: store) == 0)
            try await store.transaction { database in try await Outbox.append(event("e2", aggregate: "a", at: Date()), in: database) }
            #expect(try await Outbox.backlog(in: store) == 1)
        }
    }

    /// On each database the services run on: PostgreSQL in production, SQLite locally.
    @Test(arguments: TestDatabases.available)
    func theRelayRetriesWithBackoffKeepsOrderPerAggregateAndParksDeadLetters(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in try await relayRetriesKeepsOrderAndParks(store) }
    }

    func relayRetriesKeepsOrderAndParks(_ store: any SQLStore) async throws {
        try await Self.migrator.migrate(store, logger: logger)
        let clock = Clock()
        try await store.transaction { database in
            for (id, aggregate) in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("c1", "C")] {
                try await Outbox.append(event(id, aggregate: aggregate, at: clock.now()), in: database)
            }
        }
        let publisher = RecordingPublisher(failing: ["a1": 2, "c1": 100])
        let relay = OutboxRelay(store: store, publisher: publisher, policy: .init(maximumAttempts: 3, baseDelay: .seconds(1), maximumDelay: .seconds(10)),
                                logger: logger, now: { clock.now() })

        #expect(try await relay.deliverDue() == 1)
        #expect(publisher.delivered.withLock { $0 } == ["b1"], "a2 waits behind the failing a1")
        #expect(try await relay.deliverDue() == 0, "nothing is retried before its backoff has passed")
        clock.advance(2)
        #expect(try await relay.deliverDue() == 0)
        clock.advance(4)
        #expect(try await relay.deliverDue() == 2)
        #expect(publisher.delivered.withLock { $0 } == ["b1", "a1", "a2"])

        let dead = try await Outbox.deadLetters(in: store)
        #expect(dead.map(\.event.id) == ["c1"])
        #expect(dead.first?.attempts == 3)
        #expect(dead.first?.lastError?.contains("503") == true)
        #expect(try await Outbox.backlog(in: store) == 0)

        publisher.failuresLeft.withLock { $0["c1"] = 0 }
        #expect(try await Outbox.replay("c1", in: store, at: clock.now()))
        #expect(try await Outbox.replay("c1", in: store, at: clock.now()) == false, "only dead letters are replayed")
        #expect(try await relay.deliverDue() == 1)
        #expect(publisher.delivered.withLock { $0 }.last == "c1")

        #expect(try await relay.purgeDelivered() == 0, "delivered events are kept for the retention period")
        clock.advance(8 * 86_400)
        #expect(try await relay.purgeDelivered() == 4)
        #expect(try await relay.deliverDue() == 0, "nothing purged is delivered again")
    }

    /// A consumer that holds the first event of aggregate A until B's event has arrived: delivered one after the
    /// other, B would wait for A and A would give up; the relay delivers the two aggregates side by side, and each
    /// aggregate's own events still in order.
    final class WaitingPublisher: EventPublisher {
        let delivered = Mutex<[String]>([])

        func publish(_ event: IntegrationEvent) async throws {
            if event.id == "a1" {
                for _ in 0..<200 where !delivered.withLock({ $0.contains("b1") }) { try await Task.sleep(for: .milliseconds(10)) }
                guard delivered.withLock({ $0.contains("b1") }) else { throw EventDeliveryError(service: "consumer", status: 503) }
            }
            delivered.withLock { $0.append(event.id) }
        }
    }

    @Test(arguments: TestDatabases.available)
    func aSlowConsumerOfOneAggregateDoesNotHoldBackTheOthers(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await Self.migrator.migrate(store, logger: logger)
            try await store.transaction { database in
                for (id, aggregate) in [("a1", "A"), ("a2", "A"), ("b1", "B")] {
                    try await Outbox.append(event(id, aggregate: aggregate, at: Date()), in: database)
                }
            }
            let publisher = WaitingPublisher()
            let relay = OutboxRelay(store: store, publisher: publisher, logger: logger)
            #expect(try await relay.deliverDue() == 3)
            #expect(publisher.delivered.withLock { $0 } == ["b1", "a1", "a2"])
            #expect(try await Outbox.backlog(in: store) == 0)
        }
    }

    @Test(arguments: TestDatabases.available)
    func aggregatesBackingOffAtTheHeadDoNotStallTheEventsBehindThem(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await Self.migrator.migrate(store, logger: logger)
            let clock = Clock()
            // Three aggregates whose first event fails, each with a later event, ahead of 150 events of others:
            // more than a batch, so a relay that read the first rows whatever their state would see only the blocked.
            try await store.transaction { database in
                for blocked in ["A", "B", "C"] {
                    try await Outbox.append(event("\(blocked)1", aggregate: blocked, at: clock.now()), in: database)
                    try await Outbox.append(event("\(blocked)2", aggregate: blocked, at: clock.now()), in: database)
                }
                for index in 0..<150 { try await Outbox.append(event("x\(index)", aggregate: "X\(index)", at: clock.now()), in: database) }
            }
            let publisher = RecordingPublisher(failing: ["A1": 100, "B1": 100, "C1": 100])
            let relay = OutboxRelay(store: store, publisher: publisher, policy: .init(maximumAttempts: 10, baseDelay: .seconds(30), batchSize: 2),
                                    logger: logger, now: { clock.now() })
            #expect(try await relay.recordBacklog() == 156, "the backlog counts every pending event, not one batch")
            for _ in 0..<3 { #expect(try await relay.deliverDue() == 0) }
            // A, B and C now back off; each pass delivers a batch of the others, never an aggregate's later event.
            var passes = 0
            while try await relay.deliverDue() > 0 { passes += 1 }
            #expect(passes == 75)
            let delivered = publisher.delivered.withLock { $0 }
            #expect(delivered.count == 150)
            #expect(!delivered.contains("A2") && !delivered.contains("B2") && !delivered.contains("C2"))
            #expect(try await relay.recordBacklog() == 6)
        }
    }

    /// A contract event as a publishing context would declare it.
    struct ThingHappened: PublishedEvent {
        static let name = "ThingHappened"
        static let version = 1
        static let publisher = "publisher"
        let thing: String
        let n: Int
        var aggregateID: String { thing }
    }

    @Test(arguments: TestDatabases.available)
    func eventsReachTheServicesThatSubscribeAndRedeliveryChangesNothing(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { publisherStore in try await subscribersAreLearnedAndKept(publisherStore: publisherStore) }
    }

    func subscribersAreLearnedAndKept(publisherStore: any SQLStore) async throws {
        let consumerStore = try await SQLiteStore.open(path: nil, logger: logger)
        try await Self.migrator.migrate(consumerStore, logger: logger)
        try await consumerStore.transaction { database in try await database.raw("CREATE TABLE tally (n INTEGER NOT NULL)").run() }
        try await consumerStore.transaction { database in try await database.raw("INSERT INTO tally (n) VALUES (0)").run() }
        try await Migrator([SubscriberDirectory.migration(version: 1)]).migrate(publisherStore, logger: logger)
        let handled = Mutex<[ThingHappened]>([])
        var subscriptions = EventSubscriptions()
        subscriptions.on(ThingHappened.self) { thing, envelope in
            handled.withLock { $0.append(thing) }
            try await consumerStore.transaction { database in
                guard try await Inbox.recordFirstDelivery(of: envelope, in: database) else { return }
                try await database.raw("UPDATE tally SET n = n + 1").run()
            }
        }
        let router = Router()
        router.add(middleware: ActingAs(Principal(subject: "publisher", roles: ["service"], scopes: [Scope.publishEvents(of: "publisher")], token: "")))
        subscriptions.register(on: router, logger: logger)
        // The bystander is known to discovery but never answers; the consumer answers while it runs.
        let discovery = LateStaticDiscovery()
        let client = ServiceClient(discovery: discovery, logger: logger)
        let directory = SubscriberDirectory(publisher: "publisher", store: publisherStore, discovery: discovery, client: client, logger: logger)
        let publisher = HTTPEventPublisher(subscribers: directory, client: client)
        let thing = try IntegrationEvent(ThingHappened(thing: "A", n: 1), id: "e-1", occurredAt: Date())
        await #expect(throws: SubscriberDirectory.NotReady.self, "nothing is delivered before the subscribers are known") {
            try await publisher.publish(thing)
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            discovery.port.withLock { $0 = client.port! }
            await directory.refresh()
            #expect(try await directory.subscribers(of: "ThingHappened") == ["consumer"])
            if publisherStore.dialect == .postgres {
                // A round that learns nothing new writes nothing: the row keeps its version (PostgreSQL's `xmin`).
                func rowVersions() async throws -> [String] {
                    try await publisherStore.read { database in
                        try await database.raw("SELECT xmin::text AS row_version FROM event_subscribers ORDER BY subscriber, type").all()
                            .map { try $0.decode(column: "row_version", as: String.self) }
                    }
                }
                let before = try await rowVersions()
                await directory.refresh()
                #expect(try await rowVersions() == before)
                #expect(before.count == 1)
            }
            try await publisher.publish(thing)
            try await publisher.publish(thing)
            try await publisher.publish(IntegrationEvent(id: "e-2", type: "NobodyCares", occurredAt: Date(), source: "t", aggregateID: "A", traceparent: nil, data: "{}"))
            let newer = IntegrationEvent(id: "e-3", type: "ThingHappened", version: 2, occurredAt: Date(), source: "publisher", aggregateID: "A",
                                         traceparent: nil, data: #"{"thing":"A","n":1}"#)
            await #expect(throws: EventDeliveryError.self, "a version the consumer was not built for is refused, to be retried") {
                try await publisher.publish(newer)
            }
            let malformed = IntegrationEvent(id: "e-4", type: "ThingHappened", occurredAt: Date(), source: "publisher", aggregateID: "A",
                                             traceparent: nil, data: #"{"thing":"A","n":"one"}"#)
            await #expect(throws: EventDeliveryError.self, "data that does not match the contract is refused") {
                try await publisher.publish(malformed)
            }
        }
        #expect(handled.withLock { $0 } == [ThingHappened(thing: "A", n: 1), ThingHappened(thing: "A", n: 1)])
        let tally = try await consumerStore.read { database in try await database.raw("SELECT n FROM tally").first()?.decode(column: "n", as: Int.self) }
        #expect(tally == 1)

        // The consumer is down now: it keeps its subscription, so what is published meanwhile waits for it.
        await directory.refresh()
        #expect(try await directory.subscribers(of: "ThingHappened") == ["consumer"])
        await #expect(throws: (any Error).self) { try await publisher.publish(thing) }

        // Back without the event in its declaration: unsubscribed.
        let quiet = Router()
        EventSubscriptions().register(on: quiet, logger: logger)
        try await Application(router: quiet, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) {
            (client: any TestClientProtocol) async throws in
            discovery.port.withLock { $0 = client.port! }
            await directory.refresh()
            #expect(try await directory.subscribers(of: "ThingHappened") == [])
        }
        try await consumerStore.close()
    }

    /// Stands in for the authentication middleware: every request comes from `principal`.
    struct ActingAs<Context: RequestContext>: RouterMiddleware {
        let principal: Principal
        init(_ principal: Principal) { self.principal = principal }
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            try await Principal.$current.withValue(principal) { try await next(request, context) }
        }
    }

    /// Discovery that cannot say which services exist, as while the registry is unreachable.
    struct BlindDiscovery: ServiceDiscovery {
        func endpoints(of service: String) async -> [ServiceEndpoint] { [] }
        func knownServices() async -> Set<String>? { nil }
    }

    @Test func nothingIsDeliveredWhileDiscoveryCannotSayWhoMightSubscribe() async throws {
        let store = try await SQLiteStore.open(path: nil, logger: logger)
        try await Migrator([SubscriberDirectory.migration(version: 1)]).migrate(store, logger: logger)
        let directory = SubscriberDirectory(publisher: "publisher", store: store, discovery: BlindDiscovery(),
                                            client: ServiceClient(discovery: BlindDiscovery(), logger: logger), logger: logger)
        #expect(await directory.refresh() == false)
        await #expect(throws: SubscriberDirectory.NotReady.self) { try await directory.subscribers(of: "ThingHappened") }
        try await store.close()
    }

    /// `consumer` at whatever port the test's server got, and a `bystander` that answers nothing.
    final class LateStaticDiscovery: ServiceDiscovery {
        let port: Mutex<Int>

        init(port: Int = 0) { self.port = Mutex(port) }

        func endpoints(of service: String) async -> [ServiceEndpoint] {
            switch service {
            case "consumer": [port.withLock { ServiceEndpoint(id: "consumer-\($0)", host: "127.0.0.1", port: $0) }]
            case "bystander": [ServiceEndpoint(id: "bystander", host: "127.0.0.1", port: 9)]
            default: []
            }
        }

        func knownServices() async -> Set<String>? { ["consumer", "bystander", "publisher"] }
    }

    /// Delivered events leave the relay's indexes, and the relay reads pending events through them also when its
    /// prepared statement runs a generic plan (which can use a partial index only if the status is written as a
    /// literal, not bound): no pass reads the whole outbox.
    @Test func theRelayReadsOnlyPendingEventsThroughTheirOwnIndexes() async throws {
        guard TestDatabases.available.contains(.postgres) else { return }
        try await TestDatabases.withStore(.postgres) { store in
            try await Self.migrator.migrate(store, logger: logger)
            let definitions = try await store.read { database in
                try await database.raw("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'outbox'").all()
            }.reduce(into: [String: String]()) { $0[try $1.decode(column: "indexname", as: String.self)] = try $1.decode(column: "indexdef", as: String.self) }
            #expect(definitions["outbox_pending"]?.hasSuffix("WHERE (status = 'pending'::text)") == true)
            #expect(definitions["outbox_aggregate_pending"]?.hasSuffix("WHERE (status = 'pending'::text)") == true)
            #expect(definitions["outbox_dead"]?.hasSuffix("WHERE (status = 'dead'::text)") == true)

            // The passes run one after another, so on the pool's one connection, which plans generically from here on.
            _ = try await store.read { database in try await database.raw("SET plan_cache_mode = force_generic_plan").all() }
            let relay = OutboxRelay(store: store, publisher: RecordingPublisher(), logger: logger)
            try await store.transaction { database in
                try await Outbox.append((0..<2_000).map { event("old-\($0)", aggregate: "order-\($0 % 50)", at: Date()) }, in: database)
            }
            while try await relay.deliverDue() > 0 {}
            _ = try await store.read { database in try await database.raw("ANALYZE outbox").all() }
            let before = try await scans(in: store)
            for pass in 0..<8 {
                try await store.transaction { database in try await Outbox.append(event("new-\(pass)", aggregate: "order-\(pass)", at: Date()), in: database) }
                #expect(try await relay.deliverDue() == 1)
            }
            // A backend's counters reach the statistics views at most once a second unless it is told to flush
            // (`scans` does, for the one connection that did the work), so a reading may still lag: poll briefly.
            var after = try await scans(in: store)
            for _ in 0..<50 where after.pendingIndex < before.pendingIndex + 8 {
                try await Task.sleep(for: .milliseconds(100))
                after = try await scans(in: store)
            }
            #expect(after.pendingIndex >= before.pendingIndex + 8, "each pass found its event through outbox_pending")
            #expect(after.table == before.table, "no pass read the whole table")
        }
    }

    /// The outbox's scan counters, after the connection's own pending counters are flushed: without that, the
    /// draining before the first reading could reach the views only after it and count as a pass's scan.
    private func scans(in store: any SQLStore) async throws -> (pendingIndex: Int, table: Int) {
        // Flushed when the backend goes idle after this statement, before the reading below.
        _ = try await store.read { database in try await database.raw("SELECT pg_stat_force_next_flush()").all() }
        return try await store.read { database in
            let row = try await database.raw("""
                SELECT COALESCE((SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'outbox_pending'), 0) AS pending_index,
                       COALESCE((SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'outbox'), 0) AS whole_table
                """).first()
            return (try row?.decode(column: "pending_index", as: Int.self) ?? 0, try row?.decode(column: "whole_table", as: Int.self) ?? 0)
        }
    }
}

/// Replicas of a service share its database; background work that must not run twice at once takes a named lock.
@Suite struct ExclusiveWorkTests {
    @Test(arguments: TestDatabases.available)
    func aSecondHolderIsTurnedAwayUntilTheFirstIsDone(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            let inner = try await store.exclusively("relay") {
                // A second pass in the same process is turned away, as another replica's would be.
                try await store.exclusively("relay") { "second" }
            }
            switch kind {
            case .postgres: #expect(inner == .some(nil), "the lock is held: the second holder skips its round")
            case .sqlite: #expect(inner == .some("second"), "a SQLite file has one process")
            }
            #expect(try await store.exclusively("checkout") { "other lock" } == "other lock")
            #expect(try await store.exclusively("relay") { "after" } == "after", "released when the first holder finished")
            await #expect(throws: TestDatabaseError.self) {
                _ = try await store.exclusively("relay") { () async throws -> Int in throw TestDatabaseError("failed") }
            }
            #expect(try await store.exclusively("relay") { "after a failure" } == "after a failure", "released when the body threw")
        }
    }

    /// The replica that took a lock keeps it between passes: the others are turned away while it idles, and take
    /// over once its lock connection is gone.
    @Test func theLeaderKeepsTheLockUntilItsConnectionCloses() async throws {
        guard TestDatabases.available.contains(.postgres) else { return }
        try await TestDatabases.withPostgresReplicas(2) { replicas in
            let (first, second) = (replicas[0], replicas[1])
            #expect(try await first.exclusively("relay") { "first" } == "first")
            #expect(try await second.exclusively("relay") { "second" } == nil, "the first replica leads while idle")
            #expect(try await first.exclusively("relay") { "first again" } == "first again")
            #expect(try await second.exclusively("checkout") { "other lock" } == "other lock")

            try await terminateLockHolder(of: "relay", from: second)
            #expect(try await second.exclusively("relay") { "second" } == "second", "the lock went with the connection")
            #expect(try await turnedAwayWithinASecond(first, "relay"), "the first replica saw its connection close")

            try await terminateLockHolder(of: "relay", from: first)
            #expect(try await first.exclusively("relay") { "first back" } == "first back", "it opens a new connection")
        }
    }

    /// Ends the session holding `lock` in this test's database and waits until it is gone, as a server restart or a
    /// dead replica would. Advisory locks are per database, and tests running alongside hold the same keys in theirs.
    private func terminateLockHolder(of lock: String, from store: PostgresStore) async throws {
        let key = PostgresStore.advisoryKey(lock)
        let ended = try await store.read { database in
            try await database.raw("""
                SELECT count(*) AS ended FROM (SELECT pg_terminate_backend(pid, 5000) FROM pg_locks
                WHERE locktype = 'advisory' AND ((classid::bigint << 32) | objid::bigint) = \(bind: key)
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS terminated
                """).first(decodingColumn: "ended", as: Int.self)
        }
        #expect(ended == 1)
    }

    /// Whether `store`'s passes under `lock` are turned away within a second (they may run until the closed
    /// connection is noticed).
    private func turnedAwayWithinASecond(_ store: PostgresStore, _ lock: String) async throws -> Bool {
        for _ in 0..<20 {
            if try await store.exclusively(lock, { true }) == nil { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
