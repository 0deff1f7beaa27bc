import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import SQLKit
import ServiceLifecycle
import Synchronization

/// Who receives an event type.
public protocol EventSubscribers: Sendable {
    /// The services subscribed to `type`; throws while that is not known yet (the relay tries again later).
    func subscribers(of type: String) async throws -> [String]
}

/// The publisher's side of subscriptions: it asks each service discovery knows of what it subscribes to
/// (`GET /events/subscriptions`, the consumer's own ``EventSubscriptions``) and keeps the answers for its own events
/// in its database; again as soon as a service registers (a blocking query on the registry's catalog), every
/// second while a known service has not answered, and every `refreshInterval` otherwise. A consumer that cannot be
/// asked keeps its subscriptions, so a restarting consumer misses nothing; one that answers without an event has
/// unsubscribed from it. The relay delivers only once a first round has asked the services discovery knows of (while
/// discovery cannot tell, it waits), and a consumer receives the events published after the publisher learned of it.
public final class SubscriberDirectory: EventSubscribers, Service {
    public struct NotReady: Error, CustomStringConvertible {
        public var description: String { "the subscribers are not known yet: the first round of asking the services has not finished" }
    }

    let publisher: String
    let store: any SQLStore
    let discovery: any ServiceDiscovery
    let client: ServiceClient
    let refreshInterval: Duration
    let logger: Logger
    private let state = Mutex<(ready: Bool, subscribers: [String: [String]])>((false, [:]))

    /// `publisher` is this service's name: only subscriptions to its events are kept.
    public init(publisher: String, store: any SQLStore, discovery: any ServiceDiscovery, client: ServiceClient,
                refreshInterval: Duration = .seconds(5), logger: Logger) {
        self.publisher = publisher
        self.store = store
        self.discovery = discovery
        self.client = client
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// The subscriptions table, for a publishing service's migration list.
    public static func migration(version: Int) -> Migration {
        Migration(version: version, name: "create the event subscribers") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            return [
                """
                CREATE TABLE event_subscribers (
                    subscriber TEXT NOT NULL, type TEXT NOT NULL, version INTEGER NOT NULL, learned_at \(timestamp) NOT NULL,
                    PRIMARY KEY (subscriber, type)
                )
                """,
            ]
        }
    }

    public func subscribers(of type: String) async throws -> [String] {
        try state.withLock { state in
            guard state.ready else { throw NotReady() }
            return state.subscribers[type] ?? []
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let everyoneAnswered = await refresh()
            let wait = everyoneAnswered ? refreshInterval : min(refreshInterval, .seconds(1))
            await cancelWhenGracefulShutdown { await self.discovery.servicesMayHaveChanged(within: wait) }
        }
    }

    /// One round: asks every known service, stores what changed, and reloads the table; `true` when every known
    /// service answered. Public so tests and tools can drive it.
    @discardableResult
    public func refresh(at now: Date = Date()) async -> Bool {
        // Discovery that cannot tell (the registry unreachable) is no answer: without it nobody would be asked, and
        // a first round would take "no subscribers" for the truth.
        guard let known = await discovery.knownServices() else { return false }
        let services = known.subtracting([publisher]).sorted()
        let answers = await withTaskGroup(of: (String, [EventSubscriptions.Subscription]?).self) { group in
            for service in services { group.addTask { (service, await self.declaration(of: service)) } }
            var answers: [String: [EventSubscriptions.Subscription]] = [:]
            for await (service, answer) in group { if let answer { answers[service] = answer } }
            return answers
        }
        do {
            // Written only where an answer differs from the table: a round that learns nothing (nearly every one)
            // reads and writes nothing else, so an idle stack does not commit to disk every few seconds.
            let stored = try await storedSubscriptions()
            let changes = answers.mapValues { subscriptions in
                Dictionary(subscriptions.filter { $0.publisher == self.publisher }.map { ($0.type, $0.version) }, uniquingKeysWith: max)
            }.filter { service, mine in stored[service, default: [:]] != mine }
            var rows = stored
            if !changes.isEmpty {
                try await store.transaction { database in
                    for (service, mine) in changes {
                        let delete = database.delete(from: "event_subscribers").where("subscriber", .equal, service)
                        if !mine.isEmpty { delete.where("type", .notIn, Array(mine.keys)) }
                        try await delete.run()
                        for (type, version) in mine.sorted(by: { $0.key < $1.key }) {
                            try await database.insert(into: "event_subscribers").columns("subscriber", "type", "version", "learned_at")
                                .values(SQLBind(service), SQLBind(type), SQLBind(version), SQLBind(now))
                                .onConflict(with: ["subscriber", "type"]) { $0.set(excludedValueOf: "version") }.run()
                        }
                    }
                }
                rows = try await storedSubscriptions()
            }
            var subscribers: [String: [String]] = [:]
            for (subscriber, types) in rows.sorted(by: { $0.key < $1.key }) {
                for type in types.keys { subscribers[type, default: []].append(subscriber) }
            }
            let changed = state.withLock { state in
                defer { state = (true, subscribers) }
                return state.subscribers != subscribers
            }
            if changed { logger.info("event subscribers", metadata: ["subscribers": "\(subscribers)"]) }
            return answers.count == services.count
        } catch {
            logger.warning("could not store the event subscribers", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The table: each subscriber's types and the version of each it was built for.
    private func storedSubscriptions() async throws -> [String: [String: Int]] {
        let rows = try await store.read { database in
            try await database.select().columns("subscriber", "type", "version").from("event_subscribers").all()
        }
        var stored: [String: [String: Int]] = [:]
        for row in rows {
            stored[try row.decode(column: "subscriber", as: String.self), default: [:]][try row.decode(column: "type", as: String.self)] =
                try row.decode(column: "version", as: Int.self)
        }
        return stored
    }

    /// What `service` subscribes to; `nil` when it could not be asked (down, or an older build without the route).
    private func declaration(of service: String) async -> [EventSubscriptions.Subscription]? {
        do {
            let response = try await client.execute(service: service, method: .get, path: EventSubscriptions.declarationPath,
                                                    headers: HTTPHeaders([("accept", "application/json")]), timeout: .seconds(3))
            guard response.status == 200 else {
                logger.debug("a service did not say what it subscribes to", metadata: ["service": "\(service)", "status": "\(response.status)"])
                return nil
            }
            return try JSONDecoder().decode(EventSubscriptions.Declaration.self, from: Data(response.body.readableBytesView)).subscriptions
        } catch {
            logger.debug("could not ask a service what it subscribes to", metadata: ["service": "\(service)", "error": "\(error)"])
            return nil
        }
    }
}
