import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Tracing

/// Delivers events over HTTP through the service client (discovery, balancing, breakers; the call carries the
/// service token) to the services that subscribed to their type, as `subscribers` learned from the consumers
/// themselves: several at once with `POST /event-batches`, one with `POST /events`. An event is delivered once every
/// subscriber acknowledged it; a subscriber that already handled it acknowledges it too (its inbox), so redelivery
/// is harmless.
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
        for service in try await subscribers.subscribers(of: event.type) {
            try await deliver(event, to: service)
        }
    }

    /// Each subscriber gets the events it follows in batches, the subscribers side by side.
    public func publish(_ events: [IntegrationEvent]) async -> [Result<Void, any Error>] {
        var failures: [String: any Error] = [:]
        var recipients: [String: [IntegrationEvent]] = [:]
        for event in events {
            do {
                for service in try await subscribers.subscribers(of: event.type) { recipients[service, default: []].append(event) }
            } catch {
                failures[event.id] = error
            }
        }
        await withTaskGroup(of: [String: any Error].self) { group in
            for (service, events) in recipients {
                group.addTask { await deliver(events, to: service) }
            }
            for await serviceFailures in group {
                failures.merge(serviceFailures) { first, _ in first }
            }
        }
        return events.map { event in failures[event.id].map { .failure($0) } ?? .success(()) }
    }

    /// Returns the failures by event id.
    private func deliver(_ events: [IntegrationEvent], to service: String) async -> [String: any Error] {
        var failures: [String: any Error] = [:]
        for start in stride(from: 0, to: events.count, by: EventSubscriptions.maximumBatch) {
            let chunk = Array(events[start..<min(start + EventSubscriptions.maximumBatch, events.count)])
            do {
                let response = try await client.execute(service: service, method: .post, path: EventSubscriptions.batchDeliveryPath,
                                                        headers: headers(traceparent: chunk.first?.traceparent),
                                                        body: ByteBuffer(bytes: try Self.encoder.encode(EventSubscriptions.Batch(events: chunk))),
                                                        timeout: timeout)
                switch response.status {
                case 200:
                    let answers = try JSONDecoder().decode(EventSubscriptions.BatchResults.self, from: Data(response.body.readableBytesView)).results
                    let byID = Dictionary(answers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                    for event in chunk {
                        guard let answer = byID[event.id] else {
                            failures[event.id] = EventDeliveryError(service: service, status: 200, detail: "the answer has no result for this event")
                            continue
                        }
                        if !(200..<300).contains(answer.status) {
                            failures[event.id] = EventDeliveryError(service: service, status: answer.status, detail: answer.problem?.detail)
                        }
                    }
                case 404, 405:
                    // A consumer that does not take batches yet (during a rolling upgrade) gets the events one by one.
                    for event in chunk {
                        do { try await deliver(event, to: service) } catch { failures[event.id] = error }
                    }
                default:
                    for event in chunk { failures[event.id] = EventDeliveryError(service: service, status: response.status) }
                }
            } catch {
                for event in chunk { failures[event.id] = error }
            }
        }
        return failures
    }

    private func deliver(_ event: IntegrationEvent, to service: String) async throws {
        // A POST is retried by the relay, not by the client: the relay keeps the order per aggregate.
        let response = try await client.execute(service: service, method: .post, path: EventSubscriptions.deliveryPath,
                                                headers: headers(traceparent: event.traceparent), body: ByteBuffer(bytes: try Self.encoder.encode(event)),
                                                timeout: timeout)
        guard (200..<300).contains(response.status) else { throw EventDeliveryError(service: service, status: response.status) }
    }

    private func headers(traceparent: String?) -> HTTPHeaders {
        var headers = HTTPHeaders([("content-type", "application/json")])
        if let traceparent { headers.add(name: "traceparent", value: traceparent) }
        return headers
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

public struct EventDeliveryError: Error, CustomStringConvertible {
    public let service: String
    public let status: Int
    /// What the subscriber said about it, when it said anything.
    public let detail: String?

    public init(service: String, status: Int, detail: String? = nil) {
        self.service = service
        self.status = status
        self.detail = detail
    }

    public var description: String { "\(service) answered \(status) to an event" + (detail.map { ": \($0)" } ?? "") }
}
