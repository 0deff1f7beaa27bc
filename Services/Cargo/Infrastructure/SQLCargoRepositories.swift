import CargoDomain
import Foundation
import SQLKit
import Synchronization
import TradewindKernel
import TradewindRuntime

public struct SQLCargoRepository: CargoRepository {
    let store: any SQLStore
    let ids: any IdentifierGenerator

    public init(store: any SQLStore, ids: any IdentifierGenerator) {
        self.store = store
        self.ids = ids
    }

    public func cargo(_ id: TrackingID) async throws -> Cargo? {
        try await store.read { database in
            guard let row = try await database.select().columns(Self.columns).from("cargos").where("tracking_id", .equal, id.value).first() else { return nil }
            let history = try await Self.history(of: id, in: database)
            return try Self.decode(row, lastEvent: history.lastEvent)
        }
    }

    public func cargo(reference: String) async throws -> Cargo? {
        let id = try await store.read { database in
            try await database.select().column("tracking_id").from("cargos").where("reference", .equal, reference).first()
        }.map { try $0.decode(column: "tracking_id", as: String.self) }
        guard let id, let trackingID = TrackingID(id) else { return nil }
        return try await cargo(trackingID)
    }

    public func cargos(references: [String]) async throws -> [String: Cargo] {
        guard !references.isEmpty else { return [:] }
        let booked = try await store.read { database in
            try await database.select().columns("reference", "tracking_id").from("cargos").where("reference", .in, Array(Set(references))).all()
        }
        var cargos: [String: Cargo] = [:]
        for row in booked {
            guard let id = TrackingID(try row.decode(column: "tracking_id", as: String.self)) else { throw StoredCargoError("tracking id") }
            cargos[try row.decode(column: "reference", as: String.self)] = try await cargo(id)
        }
        return cargos
    }

    /// One insert for the cargos and one for their events, whatever the batch's size (on PostgreSQL both in one
    /// statement). A cargo whose tracking id or
    /// reference is taken (a concurrent booking under it) inserts nothing, and neither do its events.
    public func book(_ bookings: [NewBooking]) async throws -> Set<TrackingID> {
        guard !bookings.isEmpty else { return [] }
        let prepared = try bookings.map { try prepare($0.cargo, recording: nil, events: $0.events) }
        let rows = try bookings.map { try Self.insertedRow($0.cargo, reference: $0.reference) }
        if store.dialect == .postgres {
            // One statement, atomic by itself: the cargos, then the events of those inserted. Saves the transaction's
            // three other round trips; SQLite's statements cost none.
            var statement: SQLQueryString = """
                WITH stored AS (
                    INSERT INTO cargos (\(Self.insertedColumnList))
                    VALUES \(SQLList(rows.map { SQLGroupExpression(SQLList($0)) }))
                    ON CONFLICT DO NOTHING
                    RETURNING tracking_id
                )
                """
            if let events = Outbox.appendingClause(prepared.flatMap(\.integrationEvents), forAggregatesIn: "SELECT tracking_id FROM stored") {
                statement += ",\n" + events
            }
            statement += "\nSELECT tracking_id FROM stored"
            let stored = Set(try await store.atomicStatement(statement).map { try $0.decode(column: "tracking_id", as: String.self) })
            return Set(bookings.map(\.cargo.trackingID).filter { !stored.contains($0.value) })
        }
        return try await store.transaction { database in
            let insert = database.insert(into: "cargos").columns(Self.insertedColumns)
            for row in rows { insert.values(row) }
            let stored = Set(try await insert.ignoringConflicts().returning("tracking_id").all()
                .map { try $0.decode(column: "tracking_id", as: String.self) })
            let events = zip(bookings, prepared).filter { stored.contains($0.0.cargo.trackingID.value) }.flatMap { $0.1.integrationEvents }
            try await Outbox.append(events, in: database)
            return Set(bookings.map(\.cargo.trackingID).filter { !stored.contains($0.value) })
        }
    }

    public func all() async throws -> [Cargo] {
        try await store.read { database in
            let rows = try await database.select().columns(Self.columns).from("cargos").orderBy("tracking_id").limit(1000).all()
            var cargos: [Cargo] = []
            for row in rows {
                guard let id = TrackingID(try row.decode(column: "tracking_id", as: String.self)) else { throw StoredCargoError("tracking id") }
                cargos.append(try Self.decode(row, lastEvent: try await Self.history(of: id, in: database).lastEvent))
            }
            return cargos
        }
    }

    public func history(of cargo: TrackingID) async throws -> HandlingHistory {
        try await store.read { database in try await Self.history(of: cargo, in: database) }
    }

    public func save(_ cargo: Cargo, recording handling: HandlingEvent?, events: [CargoEvent]) async throws {
        try await write(cargo, reference: nil, recording: handling, events: events)
    }

    public func saveAll(_ changes: [CargoChange]) async throws {
        let prepared = try changes.map { try prepare($0.cargo, recording: $0.handling, events: $0.events) }
        try await store.transaction { database in
            for (change, rows) in zip(changes, prepared) {
                try await Self.write(change.cargo, reference: nil, recording: change.handling, rows: rows, in: database)
            }
        }
    }

    /// One transaction: the cargo (inserted with its reference, or updated by version), its handling event, its events.
    private func write(_ cargo: Cargo, reference: String?, recording handling: HandlingEvent?, events: [CargoEvent]) async throws {
        let rows = try prepare(cargo, recording: handling, events: events)
        try await store.transaction { database in
            try await Self.write(cargo, reference: reference, recording: handling, rows: rows, in: database)
        }
    }

    /// What a change writes besides the cargo, with the identifiers it needs made before the transaction starts.
    private struct PreparedRows: Sendable {
        let handlingID: String
        let integrationEvents: [IntegrationEvent]
    }

    private func prepare(_ cargo: Cargo, recording handling: HandlingEvent?, events: [CargoEvent]) throws -> PreparedRows {
        let occurredAt = cargo.delivery.calculatedAt
        let integrationEvents = try events.map { event in
            try PublishedCargoEvents.integrationEvent(event, id: ids.makeUUID().lowercasedString, at: occurredAt)
        }
        return PreparedRows(handlingID: ids.makeUUID().lowercasedString, integrationEvents: integrationEvents)
    }

    private static func write(
        _ cargo: Cargo, reference: String?, recording handling: HandlingEvent?, rows: PreparedRows, in database: any SQLDatabase
    ) async throws {
        let stored: [any SQLRow]
        if cargo.version == 0 {
            // A taken tracking id or reference (a concurrent booking under it) inserts nothing.
            stored = try await database.insert(into: "cargos").columns(insertedColumns).values(try insertedRow(cargo, reference: reference))
                .ignoringConflicts().returning("tracking_id").all()
        } else {
            let spec = cargo.routeSpecification
            let itinerary = try cargo.itinerary.map { try Documents.text(Documents.legs($0)) }
            let occurred = cargo.delivery.calculatedAt
            stored = try await database.update("cargos")
                .set("spec_origin", to: spec.origin.value).set("spec_destination", to: spec.destination.value)
                .set("spec_deadline", to: spec.arrivalDeadline).set("itinerary", to: itinerary)
                .set("calculated_at", to: occurred).set("version", to: cargo.version + 1)
                .where("tracking_id", .equal, cargo.trackingID.value).where("version", .equal, cargo.version)
                .returning("tracking_id").all()
        }
        guard !stored.isEmpty else { throw CargoError.concurrentUpdate }
        if let handling {
            try await database.insert(into: "handling_events")
                .columns("id", "tracking_id", "type", "location", "voyage", "completion_time", "registration_time")
                .values(SQLBind(rows.handlingID), SQLBind(handling.trackingID.value), SQLBind(handling.type.rawValue), SQLBind(handling.location.value),
                        SQLBind(handling.voyage?.value), SQLBind(handling.completionTime), SQLBind(handling.registrationTime))
                .run()
        }
        try await Outbox.append(rows.integrationEvents, in: database)
    }

    static let insertedColumns = ["tracking_id", "origin", "spec_origin", "spec_destination", "spec_deadline", "itinerary", "calculated_at", "version",
                                  "reference"]
    static let insertedColumnList = SQLColumnList(insertedColumns)

    /// A new cargo's row, in the order of ``insertedColumns``.
    static func insertedRow(_ cargo: Cargo, reference: String?) throws -> [any SQLExpression] {
        let spec = cargo.routeSpecification
        return [SQLBind(cargo.trackingID.value), SQLBind(cargo.origin.value), SQLBind(spec.origin.value), SQLBind(spec.destination.value),
                SQLBind(spec.arrivalDeadline), SQLBind(try cargo.itinerary.map { try Documents.text(Documents.legs($0)) }),
                SQLBind(cargo.delivery.calculatedAt), SQLBind(1), SQLBind(reference)]
    }

    static let columns = ["tracking_id", "origin", "spec_origin", "spec_destination", "spec_deadline", "itinerary", "calculated_at", "version"]

    static func history(of id: TrackingID, in database: any SQLDatabase) async throws -> HandlingHistory {
        let rows = try await database.select().columns("type", "location", "voyage", "completion_time", "registration_time").from("handling_events")
            .where("tracking_id", .equal, id.value).orderBy("completion_time").all()
        return HandlingHistory(try rows.map { row in
            guard let type = HandlingEventType(rawValue: try row.decode(column: "type", as: String.self)),
                  let location = UnLocode(try row.decode(column: "location", as: String.self))
            else { throw StoredCargoError("handling event") }
            let voyage = try row.decodeNil(column: "voyage") ? nil : VoyageNumber(try row.decode(column: "voyage", as: String.self))
            return try HandlingEvent(trackingID: id, type: type, location: location, voyage: voyage,
                                     completionTime: try row.decode(column: "completion_time", as: Date.self),
                                     registrationTime: try row.decode(column: "registration_time", as: Date.self))
        })
    }

    static func decode(_ row: any SQLRow, lastEvent: HandlingEvent?) throws -> Cargo {
        guard let id = TrackingID(try row.decode(column: "tracking_id", as: String.self)),
              let origin = UnLocode(try row.decode(column: "origin", as: String.self)),
              let specOrigin = UnLocode(try row.decode(column: "spec_origin", as: String.self)),
              let destination = UnLocode(try row.decode(column: "spec_destination", as: String.self))
        else { throw StoredCargoError("cargo row") }
        let itinerary = try row.decodeNil(column: "itinerary") ? nil : try Documents.itinerary(try row.decode(column: "itinerary", as: String.self))
        return Cargo(
            trackingID: id, origin: origin,
            routeSpecification: try RouteSpecification(origin: specOrigin, destination: destination, arrivalDeadline: try row.decode(column: "spec_deadline", as: Date.self)),
            itinerary: itinerary, lastEvent: lastEvent, calculatedAt: try row.decode(column: "calculated_at", as: Date.self),
            version: try row.decode(column: "version", as: Int.self)
        )
    }
}

private final class SeenCodes: Sendable {
    let codes = Mutex<Set<UnLocode>>([])
}

/// Locations are added, never removed, so a code once found stays known: a booking's origin and destination are
/// looked up in the database only the first time this process sees them.
public struct SQLLocationRepository: LocationRepository {
    let store: any SQLStore
    private let seen = SeenCodes()

    public init(store: any SQLStore) { self.store = store }

    public func all() async throws -> [Location] {
        try await store.read { database in
            try await database.select().columns("unlocode", "name").from("locations").orderBy("unlocode").all()
        }.map(Self.decode)
    }

    public func knownCodes(among codes: [UnLocode]) async throws -> Set<UnLocode> {
        let asked = Set(codes)
        let (known, unsure) = seen.codes.withLock { seen in (asked.intersection(seen), asked.subtracting(seen)) }
        guard !unsure.isEmpty else { return known }
        let rows = try await store.read { database in
            try await database.select().column("unlocode").from("locations").where("unlocode", .in, unsure.map(\.value).sorted()).all()
        }
        let found = Set(try rows.compactMap { UnLocode(try $0.decode(column: "unlocode", as: String.self)) })
        seen.codes.withLock { $0.formUnion(found) }
        return known.union(found)
    }

    public func location(_ code: UnLocode) async throws -> Location? {
        try await store.read { database in
            try await database.select().columns("unlocode", "name").from("locations").where("unlocode", .equal, code.value).first()
        }.map(Self.decode)
    }

    /// Adds the locations not stored yet; returns how many.
    public func addMissing(_ locations: [Location]) async throws -> Int {
        try await store.transaction { database in
            var added = 0
            for location in locations {
                added += try await database.insert(into: "locations").columns("unlocode", "name")
                    .values(SQLBind(location.unLocode.value), SQLBind(location.name))
                    .ignoringConflicts(with: ["unlocode"]).returning("unlocode").all().count
            }
            return added
        }
    }

    static func decode(_ row: any SQLRow) throws -> Location {
        guard let code = UnLocode(try row.decode(column: "unlocode", as: String.self)) else { throw StoredCargoError("location") }
        return Location(unLocode: code, name: try row.decode(column: "name", as: String.self))
    }
}

public struct SQLVoyageRepository: VoyageRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func all() async throws -> [Voyage] {
        try await store.read { database in
            try await database.select().columns("number", "movements").from("voyages").orderBy("number").all()
        }.map { try Documents.voyage(try $0.decode(column: "number", as: String.self), try $0.decode(column: "movements", as: String.self)) }
    }

    public func voyage(_ number: VoyageNumber) async throws -> Voyage? {
        try await store.read { database in
            try await database.select().columns("number", "movements").from("voyages").where("number", .equal, number.value).first()
        }.map { try Documents.voyage(try $0.decode(column: "number", as: String.self), try $0.decode(column: "movements", as: String.self)) }
    }

    /// Stores the voyage, replacing a stored schedule of the same number.
    public func store(_ voyage: Voyage) async throws {
        let movements = try Documents.text(Documents.movements(voyage))
        try await store.transaction { database in
            try await database.delete(from: "voyages").where("number", .equal, voyage.number.value).run()
            try await database.insert(into: "voyages").columns("number", "movements").values(SQLBind(voyage.number.value), SQLBind(movements)).run()
        }
    }
}
