import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Logging
import Metrics
import SQLKit
import ServiceLifecycle
import Tracing

/// The transactional outbox: a service writes its integration events into its own database in the same transaction
/// as the change they announce (`Outbox.append(_:in:)`), and ``OutboxRelay`` delivers them afterwards, at least once.
/// An event is in the outbox if and only if its change committed.
public enum Outbox {
    /// The outbox table, for a service's migration list (add it as one of its migrations).
    public static func migration(version: Int) -> Migration {
        Migration(version: version, name: "create the outbox") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            let sequence = dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
            return [
                """
                CREATE TABLE outbox (
                    sequence \(sequence),
                    id TEXT NOT NULL UNIQUE,
                    aggregate_id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    occurred_at \(timestamp) NOT NULL,
                    source TEXT NOT NULL,
                    traceparent TEXT,
                    data TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at \(timestamp) NOT NULL,
                    last_error TEXT,
                    delivered_at \(timestamp)
                )
                """,
                "CREATE INDEX outbox_pending ON outbox (status, sequence)",
            ]
        }
    }

    /// An index for the relay's due-only read, which asks per aggregate whether an earlier event is still waiting.
    public static func aggregateIndexMigration(version: Int) -> Migration {
        Migration(version: version, name: "index the outbox by aggregate for due-only reads") { _ in
            ["CREATE INDEX outbox_aggregate_pending ON outbox (aggregate_id, status, sequence)"]
        }
    }

    /// Indexes that hold only what the relay and the operators look for: pending events (by sequence, and by
    /// aggregate for the due-only read) and dead letters. Marking an event delivered then writes no entry in them,
    /// where the indexes on `status` took a new entry in each for every delivery; and they stay the size of the
    /// backlog instead of growing with every event kept for the retention. Queries must name the status as a
    /// literal (`status = 'pending'`), not a bound parameter, for the planner to use them.
    public static func waitingOnlyIndexesMigration(version: Int) -> Migration {
        Migration(version: version, name: "index only the outbox's pending events and dead letters") { _ in
            [
                "DROP INDEX outbox_pending",
                "DROP INDEX outbox_aggregate_pending",
                "CREATE INDEX outbox_pending ON outbox (sequence) WHERE status = 'pending'",
                "CREATE INDEX outbox_aggregate_pending ON outbox (aggregate_id, sequence) WHERE status = 'pending'",
                "CREATE INDEX outbox_dead ON outbox (sequence) WHERE status = 'dead'",
            ]
        }
    }

    /// Writes `event` as pending; call it inside the transaction of the change.
    public static func append(_ event: IntegrationEvent, in database: any SQLDatabase) async throws {
        try await append([event], in: database)
    }

    /// Writes `events` as pending, in this order, with one statement.
    public static func append(_ events: [IntegrationEvent], in database: any SQLDatabase) async throws {
        guard !events.isEmpty else { return }
        let insert = database.insert(into: "outbox").columns(appendedColumns)
        for event in events { insert.values(appendedRow(event)) }
        try await insert.run()
    }

    /// The columns an appended event writes, for a service that inserts its events within a statement of its own
    /// (see ``appendedRow(_:)``); the rest keep their defaults.
    public static let appendedColumns = ["id", "aggregate_id", "type", "version", "occurred_at", "source", "traceparent", "data", "status", "attempts",
                                         "next_attempt_at"]

    /// A pending event's values, in the order of ``appendedColumns``. Rows must be inserted in the events' order:
    /// the sequence they are given is the order of delivery.
    public static func appendedRow(_ event: IntegrationEvent) -> [any SQLExpression] {
        [SQLBind(event.id), SQLBind(event.aggregateID), SQLBind(event.type), SQLBind(event.version), SQLBind(event.occurredAt), SQLBind(event.source),
         SQLBind(event.traceparent), SQLBind(event.data), SQLBind(Status.pending.rawValue), SQLBind(0), SQLBind(event.occurredAt)]
    }

    /// A data-modifying `WITH` clause (PostgreSQL) named `events` that appends `events`, in the order given, for
    /// those whose aggregate id is among the rows of `written` (a clause before it): a statement that writes aggregates
    /// and their events at once, atomic without a transaction. `nil` when there are no events.
    public static func appendingClause(_ events: [IntegrationEvent], forAggregatesIn written: SQLQueryString) -> SQLQueryString? {
        guard !events.isEmpty else { return nil }
        let rows = events.enumerated().map { [SQLLiteral.numeric("\($0.offset)")] + appendedRow($0.element) }
        return """
            events AS (
                INSERT INTO outbox (\(idents: appendedColumns, joinedBy: ", "))
                SELECT \(idents: appendedColumns, joinedBy: ", ")
                FROM (VALUES \(SQLList(rows.map { SQLGroupExpression(SQLList($0)) }))) AS e (position, \(idents: appendedColumns, joinedBy: ", "))
                WHERE aggregate_id IN (\(written))
                ORDER BY position
            )
            """
    }

    public enum Status: String, Sendable {
        case pending, delivered, dead
    }

    /// A stored row: the event and its delivery state.
    public struct Entry: Sendable, Equatable {
        public let sequence: Int
        public let event: IntegrationEvent
        public let status: Status
        public let attempts: Int
        public let lastError: String?
    }

    static func decode(_ row: any SQLRow) throws -> Entry {
        let event = IntegrationEvent(
            id: try row.decode(column: "id", as: String.self), type: try row.decode(column: "type", as: String.self),
            version: try row.decode(column: "version", as: Int.self), occurredAt: try row.decode(column: "occurred_at", as: Date.self),
            source: try row.decode(column: "source", as: String.self), aggregateID: try row.decode(column: "aggregate_id", as: String.self),
            traceparent: try row.decodeNil(column: "traceparent") ? nil : try row.decode(column: "traceparent", as: String.self),
            data: try row.decode(column: "data", as: String.self)
        )
        return Entry(
            sequence: try row.decode(column: "sequence", as: Int.self), event: event,
            status: Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
            attempts: try row.decode(column: "attempts", as: Int.self),
            lastError: try row.decodeNil(column: "last_error") ? nil : try row.decode(column: "last_error", as: String.self)
        )
    }

    static let columns = ["sequence", "id", "aggregate_id", "type", "version", "occurred_at", "source", "traceparent", "data", "status", "attempts", "last_error"]

    /// Events parked after too many failed attempts, oldest first.
    public static func deadLetters(in store: any SQLStore, limit: Int = 100) async throws -> [Entry] {
        try await store.read { database in
            try await database.select().columns(columns).from("outbox").where("status", .equal, SQLLiteral.string(Status.dead.rawValue))
                .orderBy("sequence").limit(limit).all()
        }.map(decode)
    }

    /// Puts a dead letter back in line for delivery, with its attempts reset. Returns whether one was replayed.
    @discardableResult
    public static func replay(_ id: String, in store: any SQLStore, at now: Date = Date()) async throws -> Bool {
        try await store.transaction { database in
            try await database.update("outbox").set("status", to: Status.pending.rawValue).set("attempts", to: 0)
                .set("next_attempt_at", to: now).set("last_error", to: SQLLiteral.null)
                .where("id", .equal, id).where("status", .equal, Status.dead.rawValue)
                .returning("id").all()
        }.isEmpty == false
    }

    /// Rows not delivered yet.
    public static func backlog(in store: any SQLStore) async throws -> Int {
        try await store.read { database in
            try await database.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("outbox")
                .where("status", .equal, SQLLiteral.string(Status.pending.rawValue)).first()
        }.map { try $0.decode(column: "n", as: Int.self) } ?? 0
    }
}

/// Delivers the outbox: pending rows in order of writing, per aggregate strictly in order (a later event of an
/// aggregate waits while an earlier one is failing), many aggregates' events handed to the publisher at once, at least once, retrying with exponential backoff and jitter,
/// and parking a row as a dead letter after `maximumAttempts`. Runs in the service group until shutdown.
public struct OutboxRelay: Service {
    public struct Policy: Sendable {
        public var maximumAttempts: Int
        public var baseDelay: Duration
        public var maximumDelay: Duration
        public var pollInterval: Duration
        public var batchSize: Int
        /// Delivered events are deleted once they are this old (dead letters stay until replayed).
        public var retention: Duration

        public init(maximumAttempts: Int = 10, baseDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(60),
                    pollInterval: Duration = .milliseconds(100), batchSize: Int = 100,
                    retention: Duration = .seconds(7 * 86_400)) {
            self.maximumAttempts = maximumAttempts
            self.baseDelay = baseDelay
            self.maximumDelay = maximumDelay
            self.pollInterval = pollInterval
            self.batchSize = batchSize
            self.retention = retention
        }
    }

    let store: any SQLStore
    let publisher: any EventPublisher
    let policy: Policy
    let logger: Logger
    let now: @Sendable () -> Date

    public init(store: any SQLStore, publisher: any EventPublisher, policy: Policy = Policy(), logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.publisher = publisher
        self.policy = policy
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        var nextPurge = ContinuousClock.now
        var nextBacklogReading = ContinuousClock.now
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // Every replica reports the whole backlog (read it as max by service, not sum), whether or not it holds
            // the relay's lock at the moment.
            if ContinuousClock.now >= nextBacklogReading {
                nextBacklogReading = ContinuousClock.now + .seconds(5)
                do {
                    try await recordBacklog()
                } catch {
                    logger.debug("could not count the outbox backlog", metadata: ["error": "\(error)"])
                }
            }
            if ContinuousClock.now >= nextPurge {
                nextPurge = ContinuousClock.now + .seconds(600)
                do {
                    let purged = try await purgeDelivered()
                    if purged > 0 { logger.info("purged delivered outbox events", metadata: ["count": "\(purged)"]) }
                } catch {
                    logger.warning("outbox purge failed", metadata: ["error": "\(error)"])
                }
            }
            let delivered: Int
            do {
                // One relay at a time per database, so replicas keep each aggregate's events in order.
                delivered = try await store.exclusively("tradewind-outbox-relay") { try await deliverDue() } ?? 0
            } catch {
                logger.warning("outbox relay pass failed", metadata: ["error": "\(error)"])
                delivered = 0
            }
            if delivered == 0 { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: policy.pollInterval) } }
        }
    }

    /// Deletes delivered events older than the retention; returns how many. Public so tests can drive it. No index
    /// holds delivered events, so each purge (every ten minutes) reads the table through, as reading every delivered
    /// entry of an index on `status` did.
    @discardableResult
    public func purgeDelivered() async throws -> Int {
        let cutoff = now().addingTimeInterval(-Double(policy.retention.components.seconds))
        return try await store.transaction { database in
            try await database.delete(from: "outbox").where("status", .equal, Outbox.Status.delivered.rawValue)
                .where("delivered_at", .lessThan, cutoff).returning("id").all().count
        }
    }

    /// Records `outbox_backlog`: every pending event, however many batches that is. Returns it for tests.
    @discardableResult
    public func recordBacklog() async throws -> Int {
        let backlog = try await Outbox.backlog(in: store)
        Gauge(label: "outbox_backlog").record(backlog)
        return backlog
    }

    /// One pass over the due rows; returns how many it delivered. Public so tests and tools can drive it.
    /// Reads only events that are due and have no earlier event of their aggregate still waiting for its retry, so
    /// however many aggregates are backing off at the head of the outbox, the events behind them go out.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let now = now()
        let pending = Outbox.Status.pending.rawValue
        let columns = Outbox.columns.map { "outbox.\($0)" }.joined(separator: ", ")
        let rows = try await store.read { database in
            try await database.raw("""
                SELECT \(unsafeRaw: columns) FROM outbox
                WHERE outbox.status = \(literal: pending) AND outbox.next_attempt_at <= \(bind: now)
                AND NOT EXISTS (
                    SELECT 1 FROM outbox earlier
                    WHERE earlier.aggregate_id = outbox.aggregate_id AND earlier.status = \(literal: pending)
                    AND earlier.sequence < outbox.sequence AND earlier.next_attempt_at > \(bind: now)
                )
                ORDER BY outbox.sequence LIMIT \(literal: policy.batchSize)
                """).all()
        }
        // Each aggregate's events in sequence order. They go out in rounds: the first waiting event of every
        // aggregate together, then the second of those that got theirs through, and so on; an aggregate whose event
        // failed sends nothing more this pass, so its later events never overtake it.
        var queues: [String: [Outbox.Entry]] = [:]
        var aggregates: [String] = []
        for row in rows {
            let entry = try Outbox.decode(row)
            if queues[entry.event.aggregateID] == nil { aggregates.append(entry.event.aggregateID) }
            queues[entry.event.aggregateID, default: []].append(entry)
        }
        // Marked delivered together at the end of the pass, in one statement: a crash before that only means
        // these events are delivered again (at least once; consumers dedupe through their inbox).
        var delivered: [String] = []
        var round = 0
        while true {
            let heads = aggregates.compactMap { queues[$0].flatMap { round < $0.count ? $0[round] : nil } }
            if heads.isEmpty { break }
            for (entry, failure) in await deliverTogether(heads) {
                if let failure {
                    queues[entry.event.aggregateID] = nil
                    try await markFailed(entry, error: "\(failure)", at: now)
                } else {
                    delivered.append(entry.event.id)
                }
            }
            round += 1
        }
        if !delivered.isEmpty {
            try await store.atomicStatement { database in
                try await database.update("outbox")
                    .set("status", to: Outbox.Status.delivered.rawValue).set("delivered_at", to: now)
                    .set(SQLIdentifier("attempts"), to: SQLRaw("attempts + 1"))
                    .where("id", .in, delivered).run()
            }
        }
        return delivered.count
    }

    /// Hands the events to the publisher at once (each of a different aggregate), each in a span of its own trace
    /// that its consumer continues; returns each entry with its failure, if any.
    private func deliverTogether(_ entries: [Outbox.Entry]) async -> [(Outbox.Entry, (any Error)?)] {
        let spans = entries.map { entry in
            ManualSpan.start("deliver \(entry.event.type)", continuing: entry.event.traceparent, ofKind: .producer,
                             attributes: ["messaging.message.id": entry.event.id, "messaging.destination.name": entry.event.type])
        }
        let events = zip(entries, spans).map { entry, span in span.map { entry.event.continuing($0.traceparent) } ?? entry.event }
        let results = await publisher.publish(events)
        let deliveredAt = now()
        // One handle of each metric for the whole round: making one looks its label up in the metrics registry.
        Counter(label: "outbox_delivery_attempts_total").increment(by: entries.count)
        let lag = Metrics.Timer(label: "outbox_delivery_lag_seconds")
        return zip(entries, zip(spans, results)).map { entry, outcome in
            let (span, result) = outcome
            defer { span?.end() }
            switch result {
            case .success:
                lag.record(duration: .milliseconds(Int64(max(0, deliveredAt.timeIntervalSince(entry.event.occurredAt)) * 1000)))
                return (entry, nil)
            case .failure(let error):
                span?.setError(error)
                return (entry, error)
            }
        }
    }

    private func markFailed(_ entry: Outbox.Entry, error: String, at now: Date) async throws {
        let attempts = entry.attempts + 1
        try await store.atomicStatement { database in
            let update = database.update("outbox").set("attempts", to: attempts)
            if attempts >= policy.maximumAttempts {
                update.set("status", to: Outbox.Status.dead.rawValue).set("last_error", to: String(error.prefix(500)))
            } else {
                update.set("next_attempt_at", to: now.addingTimeInterval(delay(afterAttempt: attempts))).set("last_error", to: String(error.prefix(500)))
            }
            try await update.where("id", .equal, entry.event.id).run()
        }
        if attempts >= policy.maximumAttempts {
            Counter(label: "outbox_dead_letters_total").increment()
            logger.error("outbox event parked as a dead letter", metadata: ["event": "\(entry.event.id)", "type": "\(entry.event.type)", "error": "\(error)"])
        } else {
            logger.info("outbox delivery failed; will retry", metadata: ["event": "\(entry.event.id)", "attempt": "\(attempts)"])
        }
    }

    /// Exponential backoff with full jitter, in seconds.
    func delay(afterAttempt attempt: Int) -> TimeInterval {
        let base = Double(policy.baseDelay.components.seconds) + Double(policy.baseDelay.components.attoseconds) / 1e18
        let cap = Double(policy.maximumDelay.components.seconds)
        let ceiling = min(cap, base * pow(2, Double(min(attempt - 1, 30))))
        return Double.random(in: (ceiling / 2)...ceiling)
    }
}

/// `GET /admin/outbox/dead-letters` and `POST /admin/outbox/dead-letters/{id}/replay` for administrators.
public enum OutboxAdminRoutes {
    public static let accessRules: [String: AccessRule] = [
        "GET /admin/outbox/dead-letters": .anyRole(["admin"]),
        "POST /admin/outbox/dead-letters/{id}/replay": .anyRole(["admin"]),
    ]

    struct DeadLetter: Encodable {
        let id: String, type: String, aggregateId: String, occurredAt: Date, attempts: Int, lastError: String?
    }

    public static func register<Context: RequestContext>(on router: Router<Context>, store: any SQLStore) {
        router.get("/admin/outbox/dead-letters") { _, _ -> Response in
            let letters = try await Outbox.deadLetters(in: store).map {
                DeadLetter(id: $0.event.id, type: $0.event.type, aggregateId: $0.event.aggregateID, occurredAt: $0.event.occurredAt,
                           attempts: $0.attempts, lastError: $0.lastError)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(["items": letters]))))
        }
        router.post("/admin/outbox/dead-letters/{id}/replay") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard try await Outbox.replay(id, in: store) else { throw Problem.notFound("no dead letter has the id '\(id.prefix(64))'") }
            return Response(status: .noContent)
        }
    }
}
