import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Tracing

/// Delivers events to the services that subscribe to their type with `POST /events` through the service client
/// (discovery, balancing, breakers; the call carries the service token). Every subscriber must answer 2xx; a
/// subscriber that already handled the event answers 2xx too (its inbox), so redelivery is harmless.
public struct HTTPEventPublisher: EventPublisher {
    /// Event type → the services subscribed to it.
    let subscriptions: [String: [String]]
    let client: ServiceClient
    let timeout: Duration

    public init(subscriptions: [String: [String]], client: ServiceClient, timeout: Duration = .seconds(5)) {
        self.subscriptions = subscriptions
        self.client = client
        self.timeout = timeout
    }

    public func publish(_ event: IntegrationEvent) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let body = ByteBuffer(bytes: try encoder.encode(event))
        for service in subscriptions[event.type] ?? [] {
            var headers = HTTPHeaders([("content-type", "application/json")])
            if let traceparent = event.traceparent { headers.add(name: "traceparent", value: traceparent) }
            // A POST is retried by the relay, not by the client: the relay keeps the order per aggregate.
            let response = try await client.execute(service: service, method: .post, path: EventConsumer.path, headers: headers, body: body, timeout: timeout)
            guard (200..<300).contains(response.status) else { throw EventDeliveryError(service: service, status: response.status) }
        }
    }
}

public struct EventDeliveryError: Error, CustomStringConvertible {
    public let service: String
    public let status: Int

    public init(service: String, status: Int) {
        self.service = service
        self.status = status
    }
    public var description: String { "\(service) answered \(status) to an event" }
}

/// The receiving side: `POST /events` with an ``IntegrationEvent``, dispatched by type to a handler that applies it
/// (recording it in its ``Inbox`` in the same transaction). Types nobody handles are acknowledged and ignored.
public enum EventConsumer {
    public static let path = "/events"
    public typealias Handler = @Sendable (IntegrationEvent) async throws -> Void

    /// The access rule for the route: only services deliver events.
    public static let accessRules: [String: AccessRule] = ["POST \(path)": .anyRole(["service"])]

    public static func register<Context: RequestContext>(on router: Router<Context>, handlers: [String: Handler], logger: Logger) {
        router.post(RouterPath(path)) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let event: IntegrationEvent
            do {
                event = try decoder.decode(IntegrationEvent.self, from: Data(body.readableBytesView))
            } catch {
                throw Problem.badRequest("the body is not an integration event")
            }
            if let handler = handlers[event.type] {
                try await TraceContext.withChildSpan("consume \(event.type)", ofKind: .consumer,
                                                     attributes: ["messaging.message.id": event.id, "messaging.source": event.source]) {
                    try await handler(event)
                }
            } else {
                logger.debug("ignoring an event type this service does not handle", metadata: ["type": "\(event.type)"])
            }
            return Response(status: .noContent)
        }
    }
}
