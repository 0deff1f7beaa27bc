import CargoDomain
import Foundation

/// The JSON documents stored in text columns: a voyage's movements, a cargo's itinerary, an event's payload.
enum Documents {
    struct Movement: Codable {
        let from: String, to: String, departure: Date, arrival: Date
    }

    struct LegDocument: Codable {
        let voyage: String, from: String, to: String, load: Date, unload: Date
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    static func text(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    static func movements(_ voyage: Voyage) -> [Movement] {
        voyage.movements.map { Movement(from: $0.departureLocation.value, to: $0.arrivalLocation.value, departure: $0.departureTime, arrival: $0.arrivalTime) }
    }

    static func voyage(_ number: String, _ text: String) throws -> Voyage {
        guard let voyageNumber = VoyageNumber(number) else { throw StoredCargoError("voyage number '\(number)'") }
        let movements = try decoder.decode([Movement].self, from: Data(text.utf8)).map { movement in
            guard let from = UnLocode(movement.from), let to = UnLocode(movement.to) else { throw StoredCargoError("voyage \(number) locations") }
            return try CarrierMovement(departureLocation: from, arrivalLocation: to, departureTime: movement.departure, arrivalTime: movement.arrival)
        }
        return try Voyage(number: voyageNumber, movements: movements)
    }

    static func legs(_ itinerary: Itinerary) -> [LegDocument] {
        itinerary.legs.map { LegDocument(voyage: $0.voyage.value, from: $0.loadLocation.value, to: $0.unloadLocation.value, load: $0.loadTime, unload: $0.unloadTime) }
    }

    static func itinerary(_ text: String) throws -> Itinerary {
        try Itinerary(legs: try decoder.decode([LegDocument].self, from: Data(text.utf8)).map { leg in
            guard let voyage = VoyageNumber(leg.voyage), let from = UnLocode(leg.from), let to = UnLocode(leg.to) else {
                throw StoredCargoError("itinerary leg")
            }
            return try Leg(voyage: voyage, loadLocation: from, unloadLocation: to, loadTime: leg.load, unloadTime: leg.unload)
        })
    }

    /// The data of an integration event (the cargo context's published language): `trackingId` and the facts of
    /// the event, as strings.
    static func payload(_ event: CargoEvent) throws -> String {
        var data: [String: String] = [:]
        switch event {
        case .booked(_, let specification):
            data = ["origin": specification.origin.value, "destination": specification.destination.value,
                    "arrivalDeadline": specification.arrivalDeadline.formatted(Date.ISO8601FormatStyle())]
        case .routed(_, let itinerary):
            data = ["finalArrival": itinerary.finalArrivalTime.formatted(Date.ISO8601FormatStyle()), "legs": String(itinerary.legs.count)]
        case .handled(let handling):
            data = ["type": handling.type.rawValue, "location": handling.location.value, "voyage": handling.voyage?.value ?? "",
                    "completionTime": handling.completionTime.formatted(Date.ISO8601FormatStyle())]
        case .misdirected(_, let location), .arrived(_, let location), .claimed(_, let location):
            data = ["location": location.value]
        }
        data["trackingId"] = event.trackingID.value
        return try text(data)
    }
}

/// A stored row the code cannot read back: a bug or a manual edit, never user input.
struct StoredCargoError: Error, CustomStringConvertible {
    let description: String
    init(_ what: String) { description = "stored cargo data is malformed: \(what)" }
}
