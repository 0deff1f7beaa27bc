import CargoDomain
import Foundation

/// The JSON documents stored in text columns: a voyage's movements, a cargo's itinerary.
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
}

/// A stored row the code cannot read back: a bug or a manual edit, never user input.
struct StoredCargoError: Error, CustomStringConvertible {
    let description: String
    init(_ what: String) { description = "stored cargo data is malformed: \(what)" }
}
