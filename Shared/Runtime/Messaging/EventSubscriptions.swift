import Foundation
import Hummingbird
import Logging
import NIOCore
import TradewindKernel
import Tracing

/// The events a service consumes, declared by their contract types with a handler each. The declaration is the
/// subscription: the host serves it at `GET /events/subscriptions`, where each publisher's ``SubscriberDirectory``
/// reads it, and receives the events at `POST /event-batches` (several at once) and `POST /events` (one). Adding a
/// consumer touches only the consumer.
public struct EventSubscriptions: Sendable {
    /// One subscribed event, as a publisher reads it.
    public struct Subscription: Codable, Sendable, Hashable {
        public let type: String
        public let version: Int
        public let publisher: String

        public init(type: String, version: Int, publisher: String) {
            self.type = type
            self.version = version
            self.publisher = publisher
        }
    }

    /// What `GET /events/subscriptions` answers.
    public struct Declaration: Codable, Sendable, Equatable {
        public let subscriptions: [Subscription]

        public init(subscriptions: [Subscription]) { self.subscriptions = subscriptions }
    }

    /// The events of one `POST /event-batches`, of any aggregates, each aggregate's in the order they happened.
    public struct Batch: Codable, Sendable {
        public let events: [IntegrationEvent]

        public init(events: [IntegrationEvent]) { self.events = events }
    }

    /// What `POST /event-batches` answers: for each event, in the order sent, the status `POST /events` would
    /// have answered it with, and the problem when it was refused.
    public struct BatchResults: Codable, Sendable, Equatable {
        public struct Result: Codable, Sendable, Equatable {
            public let id: String
            public let status: Int
            public let problem: Problem.Document?
        }

        public let results: [Result]
    }

    public static let deliveryPath = "/events"
    public static let batchDeliveryPath = "/event-batches"
    public static let declarationPath = "/events/subscriptions"
    public static let maximumBatch = 100
    /// Only services deliver events (each only its own context's, checked by scope) and read subscriptions.
    public static let accessRules: [String: AccessRule] = [
        "POST \(deliveryPath)": .anyRole(["service"]),
        "POST \(batchDeliveryPath)": .anyRole(["service"]),
        "GET \(declarationPath)": .anyRole(["service", "admin"]),
    ]

    /// Handles events of one type, answering each with its failure, if any.
    typealias Handler = @Sendable ([IntegrationEvent]) async -> [(any Error)?]
    private var handlers: [String: (subscription: Subscription, handle: Handler)] = [:]

    public init() {}

    /// Handles `Event`: each delivery decoded as the contract type, with its envelope (whose `id` the handler
    /// records in its inbox in the transaction of the effect, so that a redelivery changes nothing). The events of a
    /// batch are handled side by side, each on its own.
    public mutating func on<Event: PublishedEvent>(
        _ event: Event.Type, _ handle: @escaping @Sendable (Event, IntegrationEvent) async throws -> Void
    ) {
        add(Event.self) { items in
            await withTaskGroup(of: (Int, (any Error)?).self) { group in
                var failures = [(any Error)?](repeating: nil, count: items.count)
                for (index, item) in items.enumerated() {
                    if index >= 8, let (done, failure) = await group.next() { failures[done] = failure }
                    group.addTask {
                        do {
                            try await handle(item.event, item.envelope)
                            return (index, nil)
                        } catch {
                            return (index, error)
                        }
                    }
                }
                for await (done, failure) in group { failures[done] = failure }
                return failures
            }
        }
    }

    /// Handles the `Event`s of a batch together, in one transaction say (one event each from different aggregates).
    /// A throw refuses every one of them, so the handler must keep nothing of any when it throws; their publisher
    /// delivers them again.
    public mutating func on<Event: PublishedEvent>(
        _ event: Event.Type, together handle: @escaping @Sendable (_ events: [(event: Event, envelope: IntegrationEvent)]) async throws -> Void
    ) {
        add(Event.self) { items in
            do {
                try await handle(items)
                return items.map { _ in nil }
            } catch {
                return items.map { _ in error }
            }
        }
    }

    private mutating func add<Event: PublishedEvent>(
        _ event: Event.Type, _ handle: @escaping @Sendable ([(event: Event, envelope: IntegrationEvent)]) async -> [(any Error)?]
    ) {
        precondition(handlers[Event.name] == nil, "\(Event.name) is handled twice")
        handlers[Event.name] = (Subscription(type: Event.name, version: Event.version, publisher: Event.publisher), { envelopes in
            var failures = [(any Error)?](repeating: nil, count: envelopes.count)
            var decoded: [(index: Int, event: Event, envelope: IntegrationEvent)] = []
            for (index, envelope) in envelopes.enumerated() {
                do {
                    decoded.append((index, try envelope.decode(Event.self), envelope))
                } catch {
                    failures[index] = Problem.validation("the data of \(Event.name) does not match its contract: \(EventSubscriptions.describe(error))")
                }
            }
            guard !decoded.isEmpty else { return failures }
            let outcomes = await handle(decoded.map { (event: $0.event, envelope: $0.envelope) })
            for (item, failure) in zip(decoded, outcomes) { failures[item.index] = failure }
            return failures
        })
    }

    public var declaration: Declaration {
        Declaration(subscriptions: handlers.values.map(\.subscription).sorted { ($0.publisher, $0.type) < ($1.publisher, $1.type) })
    }

    public var isEmpty: Bool { handlers.isEmpty }

    /// `GET /events/subscriptions` always (a publisher asks every service); `POST /events` and
    /// `POST /event-batches` when anything is handled. `problemMapping` turns a handler's own errors into the
    /// problems an event of a batch is answered with, as the problem middleware does for a single delivery.
    public func register<Context: RequestContext>(on router: Router<Context>, logger: Logger, problemMapping: @escaping ProblemMapper = { _ in nil }) {
        let declaration = try? JSONEncoder().encode(declaration)
        router.get(RouterPath(Self.declarationPath)) { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: declaration ?? Data())))
        }
        guard !isEmpty else { return }
        let handlers = handlers
        router.post(RouterPath(Self.deliveryPath)) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let envelope: IntegrationEvent
            do {
                envelope = try Self.decoder.decode(IntegrationEvent.self, from: Data(body.readableBytesView))
            } catch {
                throw Problem.badRequest("the body is not an integration event")
            }
            guard let handler = try Self.handler(for: envelope, in: handlers, logger: logger) else { return Response(status: .noContent) }
            try await TraceContext.withChildSpan("consume \(envelope.type)", ofKind: .consumer,
                                                 attributes: ["messaging.message.id": envelope.id, "messaging.source": envelope.source]) {
                if let failure = await handler([envelope]).first ?? nil { throw failure }
            }
            return Response(status: .noContent)
        }
        let problems = ProblemMiddleware<Context>(mapping: problemMapping)
        router.post(RouterPath(Self.batchDeliveryPath)) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 8 << 20)
            let batch: Batch
            do {
                batch = try Self.decoder.decode(Batch.self, from: Data(body.readableBytesView))
            } catch {
                throw Problem.badRequest("the body is not a batch of integration events (an object with an 'events' array)")
            }
            guard (1...Self.maximumBatch).contains(batch.events.count) else {
                throw Problem.validation("a batch holds 1 to \(Self.maximumBatch) events; this one holds \(batch.events.count)")
            }
            let refusals = await Self.handle(batch.events, with: handlers, logger: logger) { error in
                let problem = problems.problem(for: error)
                if problem.status.code >= 500, !(error is Problem) {
                    logger.error("an event of a batch could not be handled", metadata: ["error": "\(String(reflecting: error))"])
                }
                return problem
            }
            let results = batch.events.indices.map { index in
                let event = batch.events[index]
                return refusals[index].map { BatchResults.Result(id: event.id, status: Int($0.status.code), problem: $0.document) }
                    ?? BatchResults.Result(id: event.id, status: 204, problem: nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(BatchResults(results: results)))))
        }
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// Handles a batch in rounds: the first event of every aggregate, then the second, and so on, each round's events
    /// of one type handed to their handler together. Once an aggregate's event is refused, its later events are
    /// refused too (their publisher sends them again after it). Returns the problem of each refused event by index.
    private static func handle(_ events: [IntegrationEvent], with handlers: [String: (subscription: Subscription, handle: Handler)],
                               logger: Logger, problem: @escaping @Sendable (any Error) -> Problem) async -> [Int: Problem] {
        var queues: [String: [Int]] = [:]
        var aggregates: [String] = []
        for (index, event) in events.enumerated() {
            if queues[event.aggregateID] == nil { aggregates.append(event.aggregateID) }
            queues[event.aggregateID, default: []].append(index)
        }
        var refusals: [Int: Problem] = [:]
        var round = 0
        while true {
            let heads = aggregates.compactMap { queues[$0].flatMap { round < $0.count ? $0[round] : nil } }
            if heads.isEmpty { break }
            var byType: [String: [Int]] = [:]
            for index in heads {
                do {
                    if let _ = try handler(for: events[index], in: handlers, logger: logger) { byType[events[index].type, default: []].append(index) }
                } catch {
                    refusals[index] = problem(error)
                }
            }
            let failures = await withTaskGroup(of: [(Int, any Error)].self) { group in
                for (type, indices) in byType {
                    guard let handle = handlers[type]?.handle else { continue }
                    group.addTask {
                        let spans = indices.map { index in
                            ManualSpan.start("consume \(type)", continuing: events[index].traceparent, ofKind: .consumer,
                                             attributes: ["messaging.message.id": events[index].id, "messaging.source": events[index].source])
                        }
                        let outcomes = await handle(indices.map { events[$0] })
                        var failures: [(Int, any Error)] = []
                        for (index, (span, failure)) in zip(indices, zip(spans, outcomes)) {
                            if let failure {
                                span?.setError(failure)
                                failures.append((index, failure))
                            }
                            span?.end()
                        }
                        return failures
                    }
                }
                var failures: [(Int, any Error)] = []
                for await some in group { failures += some }
                return failures
            }
            for (index, failure) in failures { refusals[index] = problem(failure) }
            for index in heads where refusals[index] != nil {
                let aggregate = events[index].aggregateID
                for later in queues[aggregate]?.dropFirst(round + 1) ?? [] {
                    refusals[later] = Problem.conflict("an earlier event of aggregate \(aggregate) in this batch was refused; send this one after it")
                }
                queues[aggregate] = nil
            }
            round += 1
        }
        return refusals
    }

    /// The handler of the event's type, once the caller may deliver it and its version is the one understood here;
    /// `nil` for a type the service does not follow (acknowledged and ignored). Throws the problem that refuses it.
    private static func handler(for envelope: IntegrationEvent, in handlers: [String: (subscription: Subscription, handle: Handler)],
                                logger: Logger) throws -> Handler? {
        guard let handler = handlers[envelope.type] else {
            logger.debug("ignoring an event type this service does not handle", metadata: ["type": "\(envelope.type)"])
            return nil
        }
        // Only the context that owns an event may deliver it: a client of another context's is refused.
        let publishing = Scope.publishEvents(of: handler.subscription.publisher)
        guard Principal.current?.scopes.contains(publishing) == true else {
            throw Problem.forbidden("\(envelope.type) is published by \(handler.subscription.publisher) only; delivering it needs the scope \(publishing)")
        }
        // A version this service was not built for is refused, so the publisher keeps it (retried, then a
        // dead letter to replay) instead of it being misread or dropped.
        guard envelope.version == handler.subscription.version else {
            throw Problem.validation(
                "version \(envelope.version) of \(envelope.type) is not understood here (this service reads version \(handler.subscription.version))"
            )
        }
        return handler.handle
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' is malformed"
        default: "\(error)"
        }
    }
}
