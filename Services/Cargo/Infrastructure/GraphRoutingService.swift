import CargoDomain
import Foundation
import HeapModule
import Synchronization

/// Candidate routes over the stored voyages: a best-first search on arrival time through legs (a ride on one
/// voyage from one of its stops to a later one), each leg departing where and after the previous one arrived,
/// never visiting a location twice. Ties are broken by leg count and then by the legs' voyages and times, so the
/// same network always gives the same answer.
public struct GraphRoutingService: RoutingService {
    let voyages: any VoyageRepository
    public let maximumLegs: Int
    /// A bound on the work of one search, whatever the network's size.
    public let maximumExpansions: Int
    /// Nobody waits longer than this in a port for a connection.
    public let maximumWait: TimeInterval
    /// The ride index is rebuilt from the stored voyages at most this often (schedules change rarely).
    public let networkLifetime: TimeInterval
    private let cache = NetworkCache()

    public init(voyages: any VoyageRepository, maximumLegs: Int = 5, maximumExpansions: Int = 50_000, maximumWait: TimeInterval = 30 * 86_400,
                networkLifetime: TimeInterval = 60) {
        self.voyages = voyages
        self.maximumLegs = maximumLegs
        self.maximumExpansions = maximumExpansions
        self.maximumWait = maximumWait
        self.networkLifetime = networkLifetime
    }

    public func candidates(for specification: RouteSpecification, earliestDeparture: Date, limit: Int) async throws -> [Itinerary] {
        let network: RideIndex
        if let cached = cache.current(maximumAge: networkLifetime) {
            network = cached
        } else {
            network = RideIndex(try await voyages.all())
            cache.store(network)
        }
        return Self.search(network: network, specification: specification, earliestDeparture: earliestDeparture, limit: limit,
                           maximumLegs: maximumLegs, maximumExpansions: maximumExpansions, maximumWait: maximumWait)
    }

    final class NetworkCache: Sendable {
        private let state = Mutex<(index: RideIndex, built: ContinuousClock.Instant)?>(nil)

        func current(maximumAge: TimeInterval) -> RideIndex? {
            state.withLock { entry in
                guard let entry, ContinuousClock.now - entry.built < .seconds(maximumAge) else { return nil }
                return entry.index
            }
        }

        func store(_ index: RideIndex) { state.withLock { $0 = (index, .now) } }
    }

    /// Every ride a voyage offers, by the location it loads at, in departure order.
    struct RideIndex: Sendable {
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

        /// The rides leaving `location` from `time` on within `window`, only the first of each voyage to each place:
        /// a later ride of the same voyage to the same place arrives later and offers nothing more.
        func connections(from location: UnLocode, after time: Date, within window: TimeInterval) -> [Leg] {
            guard let all = rides[location] else { return [] }
            var low = 0, high = all.count
            while low < high {
                let middle = (low + high) / 2
                if all[middle].loadTime < time { low = middle + 1 } else { high = middle }
            }
            let end = time.addingTimeInterval(window)
            var seen: Set<Pair> = []
            var found: [Leg] = []
            for leg in all[low...] {
                if leg.loadTime > end { break }
                if seen.insert(Pair(voyage: leg.voyage, place: leg.unloadLocation)).inserted { found.append(leg) }
            }
            return found
        }

        struct Pair: Hashable {
            let voyage: VoyageNumber
            let place: UnLocode
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
                       maximumLegs: Int, maximumExpansions: Int, maximumWait: TimeInterval) -> [Itinerary] {
        var frontier = Heap<Path>()
        for leg in network.connections(from: specification.origin, after: earliestDeparture, within: maximumWait)
        where leg.unloadTime < specification.arrivalDeadline {
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
            for leg in network.connections(from: path.location, after: path.arrival, within: maximumWait) {
                guard leg.unloadTime < specification.arrivalDeadline, !visited.contains(leg.unloadLocation),
                      leg.voyage != path.legs[path.legs.count - 1].voyage || leg.loadTime > path.arrival
                else { continue }
                frontier.insert(Path(legs: path.legs + [leg]))
            }
        }
        return found
    }
}
