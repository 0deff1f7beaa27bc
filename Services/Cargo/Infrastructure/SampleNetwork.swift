import CargoDomain
import Foundation

/// The sample locations and voyages of the cargo model. Each voyage sails its stops in a loop, over and over; the
/// times are anchored to a fixed Monday, so regenerating a schedule never moves a movement already planned. Seeding
/// keeps about a year of sailings ahead: run at every start, it adds what is missing and extends what runs short.
public struct SampleNetwork: Sendable {
    public static let locations: [(String, String)] = [
        ("CNHKG", "Hongkong"), ("AUMEL", "Melbourne"), ("SESTO", "Stockholm"), ("FIHEL", "Helsinki"), ("USCHI", "Chicago"),
        ("JNTKO", "Tokyo"), ("DEHAM", "Hamburg"), ("CNSHA", "Shanghai"), ("NLRTM", "Rotterdam"), ("SEGOT", "Göteborg"),
        ("CNHGH", "Hangzhou"), ("USNYC", "New York"), ("USDAL", "Dallas"),
    ]

    /// Stops in order and the hours each hop takes; the last stop sails back to the first.
    static let voyages: [(number: String, stops: [String], hours: Double)] = [
        ("0100S", ["CNHKG", "CNHGH", "JNTKO", "AUMEL", "USNYC"], 60),
        ("0200T", ["USNYC", "USCHI", "USDAL"], 20),
        ("0300A", ["USDAL", "DEHAM", "SESTO", "FIHEL"], 10),
        ("0301S", ["USDAL", "FIHEL"], 96),
        ("0400S", ["FIHEL", "NLRTM", "CNSHA", "CNHKG"], 72),
        ("V100", ["CNHKG", "JNTKO", "USNYC"], 70),
        ("V200", ["JNTKO", "USNYC", "USCHI", "SESTO"], 48),
        ("V300", ["JNTKO", "NLRTM", "DEHAM", "AUMEL"], 80),
        ("V400", ["DEHAM", "SESTO", "FIHEL"], 24),
    ]

    /// Monday 5 January 2026, 00:00 UTC.
    static let anchor = Date(timeIntervalSince1970: 1_767_571_200)
    static let portHours: Double = 12

    let locations: SQLLocationRepository
    let voyages: SQLVoyageRepository

    public init(locations: SQLLocationRepository, voyages: SQLVoyageRepository) {
        self.locations = locations
        self.voyages = voyages
    }

    /// Returns the number of locations added and voyages (re)scheduled.
    @discardableResult
    public func seed(now: Date, horizonDays: Double = 365) async throws -> (locations: Int, voyages: Int) {
        let added = try await locations.addMissing(Self.locations.map { Location(unLocode: UnLocode($0.0)!, name: $0.1) })
        var scheduled = 0
        for entry in Self.voyages {
            let number = VoyageNumber(entry.number)!
            let stored = try await voyages.voyage(number)
            if let last = stored?.movements.last, last.arrivalTime > now.addingTimeInterval(horizonDays / 2 * 86_400) { continue }
            try await voyages.store(try Self.schedule(number, stops: entry.stops, hours: entry.hours, from: now.addingTimeInterval(-7 * 86_400),
                                                      until: now.addingTimeInterval(horizonDays * 86_400)))
            scheduled += 1
        }
        return (added, scheduled)
    }

    /// The loop sailed back to back from the anchor on; the movements falling between `start` and `end`.
    public static func schedule(_ number: VoyageNumber, stops: [String], hours: Double, from start: Date, until end: Date) throws -> Voyage {
        let codes = stops.map { UnLocode($0)! }
        let hop = hours * 3600, stay = portHours * 3600
        let loop = Double(codes.count) * (hop + stay)
        var departure = anchor.addingTimeInterval((start.timeIntervalSince(anchor) / loop).rounded(.down) * loop)
        var movements: [CarrierMovement] = []
        var index = 0
        while departure < end {
            let from = codes[index % codes.count], to = codes[(index + 1) % codes.count]
            movements.append(try CarrierMovement(departureLocation: from, arrivalLocation: to, departureTime: departure,
                                                 arrivalTime: departure.addingTimeInterval(hop)))
            departure = departure.addingTimeInterval(hop + stay)
            index += 1
        }
        return try Voyage(number: number, movements: movements)
    }
}
