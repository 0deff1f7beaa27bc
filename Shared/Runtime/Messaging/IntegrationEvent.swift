import Foundation
import HTTPTypes
import TradewindKernel

/// An event one context publishes for the others: the envelope every service reads the same way, with the
/// event's own data as a JSON document.
public struct IntegrationEvent: Sendable, Codable, Equatable {
    public let id: String
    /// `CargoBooked`, `OrderPlaced`, … as listed in the publishing context's published language.
    public let type: String
    public let version: Int
    public let occurredAt: Date
    /// The publishing service (`cargo-service`).
    public let source: String
    public let aggregateID: String
    /// W3C trace context of the change that caused the event, so consumers continue the same trace.
    public let traceparent: String?
    /// The event's data, a JSON object.
    public let data: String

    public init(id: String, type: String, version: Int = 1, occurredAt: Date, source: String, aggregateID: String,
                traceparent: String? = TraceContext.currentTraceparent(), data: String) {
        self.id = id
        self.type = type
        self.version = version
        self.occurredAt = occurredAt
        self.source = source
        self.aggregateID = aggregateID
        self.traceparent = traceparent
        self.data = data
    }

    /// An event whose data is `payload` encoded as JSON.
    public init(id: String, type: String, version: Int = 1, occurredAt: Date, source: String, aggregateID: String,
                payload: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        self.init(id: id, type: type, version: version, occurredAt: occurredAt, source: source, aggregateID: aggregateID,
                  data: String(decoding: try encoder.encode(payload), as: UTF8.self))
    }

    /// The envelope of a contract event: its name, version and publisher, and its fields as the data.
    public init<Event: PublishedEvent>(_ event: Event, id: String, occurredAt: Date) throws {
        try self.init(id: id, type: Event.name, version: Event.version, occurredAt: occurredAt, source: Event.publisher,
                      aggregateID: event.aggregateID, payload: event)
    }

    /// The same event, carrying `traceparent` instead (the span that delivers it, so its consumer's span hangs
    /// off that one).
    public func continuing(_ traceparent: String?) -> IntegrationEvent {
        IntegrationEvent(id: id, type: type, version: version, occurredAt: occurredAt, source: source, aggregateID: aggregateID,
                         traceparent: traceparent, data: data)
    }

    /// The data decoded as `type`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(data.utf8))
    }
}

/// Where the outbox relay hands events: HTTP to subscribers today, a broker adapter later.
public protocol EventPublisher: Sendable {
    /// Returns once every subscriber acknowledged the event; throws to have it retried later.
    func publish(_ event: IntegrationEvent) async throws

    /// Delivers events of different aggregates together; one result per event, in the order given. A failure is
    /// that event's alone: the others are delivered or not on their own.
    func publish(_ events: [IntegrationEvent]) async -> [Result<Void, any Error>]
}

extension EventPublisher {
    /// One event at a time, side by side, for publishers that have no way to send several at once.
    public func publish(_ events: [IntegrationEvent]) async -> [Result<Void, any Error>] {
        await withTaskGroup(of: (Int, Result<Void, any Error>).self) { group in
            for (index, event) in events.enumerated() {
                group.addTask {
                    do {
                        try await publish(event)
                        return (index, .success(()))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<Void, any Error>](repeating: .success(()), count: events.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
    }
}
