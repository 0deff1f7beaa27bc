import ArgumentParser
import CargoDomain
import CargoInfrastructure
import Foundation
import Logging
import TradewindRuntime

/// `tradewind bench …`: measurements that need the code in-process, and the checkout through a running stack.
/// Other HTTP throughput benchmarks are scripts under `Benchmarks/`.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure costs (build with -c release for meaningful figures).",
        subcommands: [RoutingBench.self, CheckoutBench.self]
    )
}

/// Candidate-route searches on the sample network and on a generated one of about 200 locations and 1,000 voyages.
struct RoutingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "routing", abstract: "Time candidate-route searches.")

    @Option(help: "Searches per network.") var searches = 200
    @Option(help: "Locations of the generated network.") var locations = 200
    @Option(help: "Voyages of the generated network.") var voyages = 1000
    @Option(help: "Days of sailings generated ahead.") var horizonDays = 90

    func run() async throws {
        let now = Date()
        var logger = Logger(label: "bench")
        logger.logLevel = .error

        let sample = try await network(logger: logger) { locationsRepository, voyagesRepository in
            try await SampleNetwork(locations: locationsRepository, voyages: voyagesRepository).seed(now: now, horizonDays: Double(horizonDays))
            return SampleNetwork.locations.map { UnLocode($0.0)! }
        }
        try await measure("sample network (13 locations, 9 voyages)", sample, now: now)

        var random = SplitMix(seed: 42)
        let generated = try await network(logger: logger) { locationsRepository, voyagesRepository in
            let codes = (0..<locations).map { index -> UnLocode in
                let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                return UnLocode("XX" + String([letters[index / 676 % 26], letters[index / 26 % 26], letters[index % 26]]))!
            }
            _ = try await locationsRepository.addMissing(codes.map { Location(unLocode: $0, name: "Port \($0.value)") })
            for number in 0..<voyages {
                var stops: [String] = []
                while stops.count < 4 {
                    let stop = codes[Int(random.next() % UInt64(codes.count))].value
                    if !stops.contains(stop) { stops.append(stop) }
                }
                let hours = Double(12 + random.next() % 84)
                try await voyagesRepository.store(try SampleNetwork.schedule(
                    VoyageNumber("G\(number)")!, stops: stops, hours: hours, from: now.addingTimeInterval(-86_400),
                    until: now.addingTimeInterval(Double(horizonDays) * 86_400)
                ))
            }
            return codes
        }
        try await measure("generated network (\(locations) locations, \(voyages) voyages)", generated, now: now)
    }

    struct Network {
        let routing: GraphRoutingService
        let locations: [UnLocode]
        let movements: Int
    }

    private func network(logger: Logger, build: (SQLLocationRepository, SQLVoyageRepository) async throws -> [UnLocode]) async throws -> Network {
        let store = try await SQLiteStore.open(path: nil, logger: logger)
        try await CargoSchema.migrator.migrate(store, logger: logger)
        let voyageRepository = SQLVoyageRepository(store: store)
        let codes = try await build(SQLLocationRepository(store: store), voyageRepository)
        let movements = try await voyageRepository.all().reduce(0) { $0 + $1.movements.count }
        return Network(routing: GraphRoutingService(voyages: voyageRepository, networkLifetime: 3600), locations: codes, movements: movements)
    }

    private func measure(_ label: String, _ network: Network, now: Date) async throws {
        var random = SplitMix(seed: 7)
        let deadline = now.addingTimeInterval(Double(horizonDays) * 86_400)
        // The first search builds the ride index from the stored voyages; it is reported on its own.
        let first = try RouteSpecification(origin: network.locations[0], destination: network.locations[1], arrivalDeadline: deadline)
        let indexStart = ContinuousClock.now
        _ = try await network.routing.candidates(for: first, earliestDeparture: now, limit: 5)
        let indexTime = ContinuousClock.now - indexStart

        var times: [Double] = []
        var found = 0
        for _ in 0..<searches {
            let origin = network.locations[Int(random.next() % UInt64(network.locations.count))]
            var destination = origin
            while destination == origin { destination = network.locations[Int(random.next() % UInt64(network.locations.count))] }
            let specification = try RouteSpecification(origin: origin, destination: destination, arrivalDeadline: deadline)
            let start = ContinuousClock.now
            let candidates = try await network.routing.candidates(for: specification, earliestDeparture: now, limit: 5)
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            if !candidates.isEmpty { found += 1 }
        }
        times.sort()
        func percentile(_ p: Double) -> String { String(format: "%.2f ms", times[min(times.count - 1, Int(Double(times.count) * p))]) }
        let mean = times.reduce(0, +) / Double(times.count)
        print("""
            \(label): \(network.movements) scheduled movements
              first search (builds the ride index): \(String(format: "%.1f ms", Double(indexTime.components.seconds) * 1000 + Double(indexTime.components.attoseconds) / 1e15))
              \(searches) searches of up to 5 candidates: mean \(String(format: "%.2f ms", mean)), p50 \(percentile(0.5)), p95 \(percentile(0.95)), max \(percentile(1.0)); routes found for \(found)
            """)
    }
}

/// A small deterministic generator, so that every run measures the same networks and searches.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
