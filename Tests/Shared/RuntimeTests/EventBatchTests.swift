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

/// Events delivered several at once: `POST /event-batches` on the consumer's side, the publisher's batches (and its
/// fallback to single deliveries), and the relay handing a pass's events over together.
@Suite struct EventBatchTests {
    typealias ThingHappened = OutboxTests.ThingHappened
    let logger = Logger(label: "event-batch-test")

    /// A failure the consumer's own problem mapping knows.
    struct ThingRefused: Error {}
    /// A failure nobody maps.
    struct Broken: Error {}

    /// A consumer counting the things it handled once each (its inbox), refusing `n == 13` with its own error and
    /// failing `n == 500` with an error nobody maps.
    final class Consumer: Sendable {
        let store: SQLiteStore
        let subscriptions: EventSubscriptions

        init(logger: Logger) async throws {
            let store = try await SQLiteStore.open(path: nil, logger: logger)
            try await OutboxTests.migrator.migrate(store, logger: logger)
            try await store.transaction { database in try await database.raw("CREATE TABLE handled (thing TEXT NOT NULL, n INTEGER NOT NULL)").run() }
            var subscriptions = EventSubscriptions()
            subscriptions.on(ThingHappened.self) { thing, envelope in
                if thing.n == 13 { throw ThingRefused() }
                if thing.n == 500 { throw Broken() }
                try await store.transaction { database in
                    guard try await Inbox.recordFirstDelivery(of: envelope, in: database) else { return }
                    try await database.raw("INSERT INTO handled (thing, n) VALUES (\(bind: thing.thing), \(bind: thing.n))").run()
                }
            }
            self.store = store
            self.subscriptions = subscriptions
        }

        func handled() async throws -> [String] {
            try await store.read { database in
                try await database.raw("SELECT thing, n FROM handled ORDER BY rowid").all()
            }.map { "\(try $0.decode(column: "thing", as: String.self))\(try $0.decode(column: "n", as: Int.self))" }
        }

        func router(scopes: Set<String> = [Scope.publishEvents(of: "publisher")], log: RequestLog? = nil) -> Router<BasicRequestContext> {
            let router = Router()
            if let log { router.add(middleware: log) }
            router.add(middleware: ProblemMiddleware(mapping: { $0 is ThingRefused ? Problem.conflict("thing 13 is refused") : nil }))
            router.add(middleware: OutboxTests.ActingAs(Principal(subject: "publisher", roles: ["service"], scopes: scopes, token: "")))
            subscriptions.register(on: router, logger: Logger(label: "consumer"),
                                   problemMapping: { $0 is ThingRefused ? Problem.conflict("thing 13 is refused") : nil })
            return router
        }
    }

    /// Records `METHOD /path` of every request.
    final class RequestLog: RouterMiddleware, Sendable {
        typealias Context = BasicRequestContext
        let requests = Mutex<[String]>([])

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            requests.withLock { $0.append("\(request.method.rawValue) \(request.uri.path)") }
            return try await next(request, context)
        }
    }

    func thing(_ id: String, _ thing: String, _ n: Int, version: Int = 1) -> IntegrationEvent {
        IntegrationEvent(id: id, type: "ThingHappened", version: version, occurredAt: Date(), source: "publisher", aggregateID: thing,
                         traceparent: nil, data: #"{"thing":"\#(thing)","n":\#(n)}"#)
    }

    func post(_ events: [IntegrationEvent], _ client: some TestClientProtocol) async throws -> (HTTPResponse.Status, [EventSubscriptions.BatchResults.Result]) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let response = try await client.execute(uri: "/event-batches", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(bytes: try encoder.encode(EventSubscriptions.Batch(events: events))))
        guard response.status == .ok else { return (response.status, []) }
        return (response.status, try JSONDecoder().decode(EventSubscriptions.BatchResults.self, from: Data(response.body.readableBytesView)).results)
    }

    @Test func aBatchIsAnsweredEventByEventAndEachAggregateInOrder() async throws {
        let consumer = try await Consumer(logger: logger)
        try await Application(router: consumer.router()).test(.router) { client in
            let batch = [
                thing("a1", "A", 1), thing("b1", "B", 1, version: 2), thing("b2", "B", 2), thing("a2", "A", 2),
                IntegrationEvent(id: "x1", type: "NobodyCares", occurredAt: Date(), source: "other", aggregateID: "X", traceparent: nil, data: "{}"),
                IntegrationEvent(id: "c1", type: "ThingHappened", occurredAt: Date(), source: "publisher", aggregateID: "C", traceparent: nil,
                                 data: #"{"thing":"C","n":"one"}"#),
                thing("d1", "D", 13), thing("e1", "E", 500), thing("a1", "A", 1),
            ]
            let (status, results) = try await post(batch, client)
            #expect(status == .ok)
            #expect(results.map(\.id) == batch.map(\.id))
            #expect(results.map(\.status) == [204, 422, 409, 204, 204, 422, 409, 500, 204])
            #expect(results[1].problem?.detail?.contains("version 2") == true, "\(results[1])")
            #expect(results[2].problem?.detail?.contains("earlier event of aggregate B") == true, "the event after a refused one waits for it")
            #expect(results[5].problem?.detail?.contains("'n' is malformed") == true, "\(results[5])")
            #expect(results[6].problem?.detail == "thing 13 is refused", "the consumer's own errors keep their meaning")
            #expect(results[7].problem?.type == Problem.internalError.type)
            #expect(results[0].problem == nil && results[8].problem == nil)
        }
        // A's events in order, the repeat of a1 changing nothing; B's refused first event held back its second.
        #expect(try await consumer.handled() == ["A1", "A2"])
        try await consumer.store.close()
    }

    @Test func aBatchFromAnotherContextOrOfTheWrongShapeChangesNothing() async throws {
        let consumer = try await Consumer(logger: logger)
        try await Application(router: consumer.router(scopes: [Scope.publishEvents(of: "someone-else")])).test(.router) { client in
            let (status, results) = try await post([thing("a1", "A", 1)], client)
            #expect(status == .ok)
            #expect(results.map(\.status) == [403])
            #expect(results.first?.problem?.detail?.contains(Scope.publishEvents(of: "publisher")) == true)
        }
        try await Application(router: consumer.router()).test(.router) { client in
            #expect(try await post([], client).0 == .unprocessableContent)
            #expect(try await post((0...EventSubscriptions.maximumBatch).map { thing("t\($0)", "T\($0)", 1) }, client).0 == .unprocessableContent)
            let notABatch = try await client.execute(uri: "/event-batches", method: .post, headers: [.contentType: "application/json"],
                                                     body: ByteBuffer(string: #"{"id":"a1"}"#))
            #expect(notABatch.status == .badRequest)
            #expect(notABatch.headers[.contentType] == Problem.mediaType)
            #expect(String(buffer: notABatch.body).contains("not a batch of integration events"))
        }
        #expect(try await consumer.handled() == [])
        try await consumer.store.close()
    }

    /// Subscribers as fixed answers, for publishing without a directory.
    struct FixedSubscribers: EventSubscribers {
        let services: [String]
        func subscribers(of type: String) async throws -> [String] { type == "ThingHappened" ? services : [] }
    }

    @Test func thePublisherSendsBatchesAndFallsBackToSingleEventsForAnOlderConsumer() async throws {
        let consumer = try await Consumer(logger: logger)
        let log = RequestLog()
        try await Self.serve(consumer.router(log: log)) { port in
            let discovery = OutboxTests.LateStaticDiscovery(port: port)
            let publisher = HTTPEventPublisher(subscribers: FixedSubscribers(services: ["consumer"]), client: ServiceClient(discovery: discovery, logger: logger))
            let events = [thing("a1", "A", 1), thing("b1", "B", 13), thing("a2", "A", 2)]
            let results = await publisher.publish(events)
            #expect(results.map { (try? $0.get()) != nil } == [true, false, true])
            if case .failure(let error as EventDeliveryError) = results[1] {
                #expect(error.status == 409 && error.detail == "thing 13 is refused")
            } else {
                Issue.record("b1 is refused with the consumer's answer: \(results[1])")
            }
            #expect(log.requests.withLock { $0 } == ["POST /event-batches"], "three events, one request")
        }
        #expect(try await consumer.handled() == ["A1", "A2"])

        // A consumer built before batches existed answers 404 to them: each event then goes on its own.
        let singleOnly = Router()
        singleOnly.add(middleware: OutboxTests.ActingAs(Principal(subject: "publisher", roles: ["service"], scopes: [Scope.publishEvents(of: "publisher")], token: "")))
        let delivered = Mutex<[String]>([])
        singleOnly.post("/events") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let event = try decoder.decode(IntegrationEvent.self, from: Data(body.readableBytesView))
            delivered.withLock { $0.append(event.id) }
            return Response(status: .noContent)
        }
        try await Self.serve(singleOnly) { port in
            let publisher = HTTPEventPublisher(subscribers: FixedSubscribers(services: ["consumer"]),
                                               client: ServiceClient(discovery: OutboxTests.LateStaticDiscovery(port: port), logger: logger))
            let results = await publisher.publish([thing("a1", "A", 1), thing("b1", "B", 1)])
            #expect(results.allSatisfy { (try? $0.get()) != nil })
        }
        #expect(delivered.withLock { $0 } == ["a1", "b1"])
        try await consumer.store.close()
    }

    /// Records the batches it is handed and fails `b1`.
    final class BatchRecorder: EventPublisher {
        let batches = Mutex<[[String]]>([])

        func publish(_ event: IntegrationEvent) async throws { Issue.record("the relay hands over batches") }

        func publish(_ events: [IntegrationEvent]) async -> [Result<Void, any Error>] {
            batches.withLock { $0.append(events.map(\.id)) }
            return events.map { $0.id == "b1" ? .failure(EventDeliveryError(service: "consumer", status: 503)) : .success(()) }
        }
    }

    @Test(arguments: TestDatabases.available)
    func theRelayHandsOverTheFirstEventOfEveryAggregateTogetherThenTheNext(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await OutboxTests.migrator.migrate(store, logger: logger)
            try await store.transaction { database in
                for (id, aggregate) in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B"), ("c1", "C"), ("a3", "A")] {
                    try await Outbox.append(thing(id, aggregate, 1), in: database)
                }
            }
            let publisher = BatchRecorder()
            let relay = OutboxRelay(store: store, publisher: publisher, logger: logger)
            #expect(try await relay.deliverDue() == 4)
            // b1 failed, so b2 is not sent after it: it waits for b1's retry.
            #expect(publisher.batches.withLock { $0 } == [["a1", "b1", "c1"], ["a2"], ["a3"]])
            #expect(try await Outbox.backlog(in: store) == 2)
        }
    }

    static func serve(_ router: Router<BasicRequestContext>, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            try await body(client.port!)
        }
    }
}
