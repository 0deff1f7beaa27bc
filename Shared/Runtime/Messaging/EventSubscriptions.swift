import Foundation
import Hummingbird
import Logging
import NIOCore
import TradewindKernel
import Tracing

/// The events a service consumes, declared by their contract types with a handler each. The declaration is the
/// subscription: the host serves it at `GET /events/subscriptions`, where each publisher's ``SubscriberDirectory``
/// reads it, and receives the events at `POST /events`. Adding a consumer touches only the consumer.
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

    public static let deliveryPath = "/events"
    public static let declarationPath = "/events/subscriptions"
    /// Only services deliver events (each only its own context's, checked by scope) and read subscriptions.
    public static let accessRules: [String: AccessRule] = [
        "POST \(deliveryPath)": .anyRole(["service"]),
        "GET \(declarationPath)": .anyRole(["service", "admin"]),
    ]

    typealias Handler = @Sendable (IntegrationEvent) async throws -> Void
    private var handlers: [String: (subscription: Subscription, handle: Handler)] = [:]

    public init() {}

    /// Handles `Event`: each delivery decoded as the contract type, with its envelope (whose `id` the handler
    /// records in its inbox in the transaction of the effect, so that a redelivery changes nothing).
    public mutating func on<Event: PublishedEvent>(
        _ event: Event.Type, _ handle: @escaping @Sendable (Event, IntegrationEvent) async throws -> Void
    ) {
        precondition(handlers[Event.name] == nil, "\(Event.name) is handled twice")
        handlers[Event.name] = (Subscription(type: Event.name, version: Event.version, publisher: Event.publisher), { envelope in
            let event: Event
            do {
                event = try envelope.decode(Event.self)
            } catch {
                throw Problem.validation("the data of \(Event.name) does not match its contract: \(EventSubscriptions.describe(error))")
            }
            try await handle(event, envelope)
        })
    }

    public var declaration: Declaration {
        Declaration(subscriptions: handlers.values.map(\.subscription).sorted { ($0.publisher, $0.type) < ($1.publisher, $1.type) })
    }

    public var isEmpty: Bool { handlers.isEmpty }

    /// `GET /events/subscriptions` always (a publisher asks every service), `POST /events` when anything is handled.
    public func register<Context: RequestContext>(on router: Router<Context>, logger: Logger) {
        let declaration = try? JSONEncoder().encode(declaration)
        router.get(RouterPath(Self.declarationPath)) { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: declaration ?? Data())))
        }
        guard !isEmpty else { return }
        let handlers = handlers
        router.post(RouterPath(Self.deliveryPath)) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let envelope: IntegrationEvent
            do {
                envelope = try decoder.decode(IntegrationEvent.self, from: Data(body.readableBytesView))
            } catch {
                throw Problem.badRequest("the body is not an integration event")
            }
            guard let handler = handlers[envelope.type] else {
                logger.debug("ignoring an event type this service does not handle", metadata: ["type": "\(envelope.type)"])
                return Response(status: .noContent)
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
            try await TraceContext.withChildSpan("consume \(envelope.type)", ofKind: .consumer,
                                                 attributes: ["messaging.message.id": envelope.id, "messaging.source": envelope.source]) {
                try await handler.handle(envelope)
            }
            return Response(status: .noContent)
        }
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
