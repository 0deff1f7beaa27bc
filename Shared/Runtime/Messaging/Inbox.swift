import Foundation
import SQLKit

/// The inbox: a consumer records each event id in the same transaction as the event's effect, so that a
/// redelivered event finds its id and changes nothing.
public enum Inbox {
    public static func migration(version: Int) -> Migration {
        Migration(version: version, name: "create the inbox") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            return ["CREATE TABLE inbox (event_id TEXT PRIMARY KEY, type TEXT NOT NULL, received_at \(timestamp) NOT NULL)"]
        }
    }

    /// Records the event; `false` when it had been handled already (then do nothing). Call inside the transaction
    /// of the effect.
    public static func recordFirstDelivery(of event: IntegrationEvent, in database: any SQLDatabase, at now: Date = Date()) async throws -> Bool {
        try await recordFirstDelivery(ofEvent: event.id, type: event.type, in: database, at: now)
    }

    /// The same, for a repository that is handed the event's id and type by its use case.
    public static func recordFirstDelivery(ofEvent id: String, type: String, in database: any SQLDatabase, at now: Date) async throws -> Bool {
        try await database.insert(into: "inbox").columns("event_id", "type", "received_at")
            .values(SQLBind(id), SQLBind(type), SQLBind(now))
            .ignoringConflicts(with: ["event_id"]).returning("event_id").all()
            .isEmpty == false
    }

    /// Records several events in one statement; returns the ids seen for the first time (an id given twice counts
    /// once). Call inside the transaction of their effects.
    public static func recordFirstDeliveries(ofEvents events: [(id: String, type: String)], in database: any SQLDatabase,
                                             at now: Date) async throws -> Set<String> {
        guard !events.isEmpty else { return [] }
        let insert = database.insert(into: "inbox").columns("event_id", "type", "received_at")
        for event in events { insert.values(SQLBind(event.id), SQLBind(event.type), SQLBind(now)) }
        return Set(try await insert.ignoringConflicts(with: ["event_id"]).returning("event_id").all()
            .map { try $0.decode(column: "event_id", as: String.self) })
    }
}
