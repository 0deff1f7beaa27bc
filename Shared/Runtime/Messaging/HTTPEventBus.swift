import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Tracing

/// Delivers events with `POST /events` through the service client (discovery, balancing, breakers; the call
/// carries the service token) to the services that subscribed to their type, as `subscribers` learned from the
/// consumers themselves. Every subscriber must answer 2xx; a subscriber that already handled the event answers 2xx
/// too (its inbox), so redelivery is harmless.
public struct HTTPEventPublisher: EventPublisher {
    let subscribers: any EventSubscribers
    let client: ServiceClient
    let timeout: Duration

    public init(subscribers: any EventSubscribers, client: ServiceClient, timeout: Duration = .seconds(5)) {
        self.subscribers = subscribers
        self.client = client
        self.timeout = timeout
    }

    public func publish(_ event: IntegrationEvent) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let body = ByteBuffer(bytes: try encoder.encode(event))
        for service in try await subscribers.subscribers(of: event.type) {
            var headers = HTTPHeaders([("content-type", "application/json")])
            if let traceparent = event.traceparent { headers.add(name: "traceparent", value: traceparent) }
            // A POST is retried by the relay, not by the client: the relay keeps the order per aggregate.
            let response = try await client.execute(service: service, method: .post, path: EventSubscriptions.deliveryPath, headers: headers, body: body, timeout: timeout)
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
