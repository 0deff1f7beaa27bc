import CargoDomain
import Foundation
import HeapModule

/// Candidate routes over the stored voyages: a best-first search on arrival time through legs (a ride on one
/// voyage from one of its stops to a later one), each leg departing where and after the previous one arrived,
/// never visiting a location twice. Ties are broken by leg count and then by the legs' voyages and times, so the
/// same network always gives the same answer.
public struct GraphRoutingService: RoutingService {
    let voyages: any VoyageRepository
    public let maximumLegs: Int
    /// A bound on the work of one search, whatever the network's size.
    public let maximumExpansions: Int

    public init(voyages: any VoyageRepository, maximumLegs: Int = 5, maximumExpansions: Int = 50_000) {
        self.voyages = voyages
        self.maximumLegs = maximumLegs
        self.maximumExpansions = maximumExpansions
    }

    public func candidates(for specification: RouteSpecification, earliestDeparture: Date, limit: Int) async throws -> [Itinerary] {
        Self.search(network: RideIndex(try await voyages.all()), specification: specification, earliestDeparture: earliestDeparture,
                    limit: limit, maximumLegs: maximumLegs, maximumExpansions: maximumExpansions)
    }

    /// Every ride a voyage offers, by the location it loads at, in departure order.
    struct RideIndex {
        var rides: [UnLocode: [Leg]] = [:]

        init(_ voyages: [Voyage]) {
            for voyage in voyages {
                let movements = voyage.movements
                for start in movements.indices {
                    var visited: Set<UnLocode> = [movements[start].departureLocation]
                    for end in start..<movements.count {
                        // A voyage that loops past the same port again is left there: the cargo would come back.
                        guard visited.insert(movements[end].arrivalLocation).inserted,
                              let leg = try? Leg(voyage: voyage.number, loadLocation: movements[start].departureLocation,
                                                 unloadLocation: movements[end].arrivalLocation,
                                                 loadTime: movements[start].departureTime, unloadTime: movements[end].arrivalTime)
                        else { break }
                        rides[leg.loadLocation, default: []].append(leg)
                    }
                }
            }
            for key in rides.keys { rides[key]?.sort { ($0.loadTime, $0.unloadTime, $0.voyage) < ($1.loadTime, $1.unloadTime, $1.voyage) } }
        }
    }

    struct Path: Comparable {
        let legs: [Leg]
        var arrival: Date { legs[legs.count - 1].unloadTime }
        var location: UnLocode { legs[legs.count - 1].unloadLocation }

        static func < (lhs: Path, rhs: Path) -> Bool {
            if lhs.arrival != rhs.arrival { return lhs.arrival < rhs.arrival }
            if lhs.legs.count != rhs.legs.count { return lhs.legs.count < rhs.legs.count }
            for (a, b) in zip(lhs.legs, rhs.legs) where a != b {
                return (a.loadTime, a.voyage, a.unloadLocation) < (b.loadTime, b.voyage, b.unloadLocation)
            }
            return false
        }

        static func == (lhs: Path, rhs: Path) -> Bool { lhs.legs == rhs.legs }
    }

    static func search(network: RideIndex, specification: RouteSpecification, earliestDeparture: Date, limit: Int,
                       maximumLegs: Int, maximumExpansions: Int) -> [Itinerary] {
        var frontier = Heap<Path>()
        for leg in network.rides[specification.origin] ?? [] where leg.loadTime >= earliestDeparture && leg.unloadTime < specification.arrivalDeadline {
            frontier.insert(Path(legs: [leg]))
        }
        var found: [Itinerary] = []
        var expansions = 0
        // Each location is left at most `limit` times by the earliest paths reaching it: later arrivals there cannot
        // lead to one of the `limit` earliest arrivals that those paths do not already offer.
        var departures: [UnLocode: Int] = [:]
        while found.count < limit, expansions < maximumExpansions, let path = frontier.popMin() {
            expansions += 1
            if path.location == specification.destination {
                if let itinerary = try? Itinerary(legs: path.legs) { found.append(itinerary) }
                continue
            }
            guard path.legs.count < maximumLegs, departures[path.location, default: 0] < limit else { continue }
            departures[path.location, default: 0] += 1
            let visited = Set(path.legs.map(\.loadLocation))
            for leg in network.rides[path.location] ?? [] where leg.loadTime >= path.arrival {
                guard leg.unloadTime < specification.arrivalDeadline, !visited.contains(leg.unloadLocation),
                      leg.voyage != path.legs[path.legs.count - 1].voyage || leg.loadTime > path.arrival
                else { continue }
                frontier.insert(Path(legs: path.legs + [leg]))
            }
        }
        return found
    }
}
