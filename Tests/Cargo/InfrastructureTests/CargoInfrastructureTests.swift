import CargoDomain
import CargoInfrastructure
import Foundation
import Logging
import SQLKit
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

@Suite struct CargoInfrastructureTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func migrated(_ kind: TestDatabases.Kind, _ body: (any SQLStore) async throws -> Void) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await CargoSchema.migrator.migrate(store, logger: Logger(label: "test"))
            try await body(store)
        }
    }

    @Test(arguments: TestDatabases.available)
    func saveAllStoresEveryChangeOrNone(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let locations = SQLLocationRepository(store: store), voyages = SQLVoyageRepository(store: store)
            try await SampleNetwork(locations: locations, voyages: voyages).seed(now: now)
            let repository = SQLCargoRepository(store: store, ids: SequentialIdentifiers())
            let specification = try RouteSpecification(origin: UnLocode("CNHKG")!, destination: UnLocode("SESTO")!, arrivalDeadline: now.addingTimeInterval(60 * 86_400))
            var changes: [CargoChange] = []
            for id in [TrackingID("0000000A")!, TrackingID("0000000B")!] {
                let (booked, events) = Cargo.book(id, specification: specification, at: now)
                try await repository.save(booked, recording: nil, events: events)
                var cargo = try #require(try await repository.cargo(id))
                let handling = try HandlingEvent(trackingID: id, type: .receive, location: UnLocode("CNHKG")!, voyage: nil, completionTime: now, registrationTime: now)
                let caused = cargo.handled(handling, history: HandlingHistory([handling]), at: now)
                changes.append(CargoChange(cargo: cargo, handling: handling, events: caused))
            }
            // B changes before the batch is written: B's change is stale, so A's must not be stored either.
            let current = try #require(try await repository.cargo(TrackingID("0000000B")!))
            try await repository.save(current, recording: nil, events: [])
            await #expect(throws: CargoError.concurrentUpdate) { try await repository.saveAll(changes) }
            #expect(try await repository.history(of: TrackingID("0000000A")!).events.isEmpty)
            #expect(try await repository.cargo(TrackingID("0000000A")!)?.version == 1)
            let handled = try await store.read { database in
                try await database.raw("SELECT count(*) AS n FROM outbox WHERE type = 'CargoHandled'").first()?.decode(column: "n", as: Int.self)
            }
            #expect(handled == 0)

            // Without the interference both are stored, in one go.
            let fresh = try #require(try await repository.cargo(TrackingID("0000000B")!))
            var retried = changes
            var cargoB = fresh
            let caused = cargoB.handled(changes[1].handling!, history: HandlingHistory([changes[1].handling!]), at: now)
            retried[1] = CargoChange(cargo: cargoB, handling: changes[1].handling, events: caused)
            try await repository.saveAll(retried)
            #expect(try await repository.history(of: TrackingID("0000000A")!).events.count == 1)
            #expect(try await repository.history(of: TrackingID("0000000B")!).events.count == 1)
        }
    }

    @Test(arguments: TestDatabases.available)
    func cargosRoundTripWithTheirHistoryAndEventsInOneTransaction(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let locations = SQLLocationRepository(store: store), voyages = SQLVoyageRepository(store: store)
            let seeded = try await SampleNetwork(locations: locations, voyages: voyages).seed(now: now)
            #expect(seeded.locations == 13 && seeded.voyages == 9)
            let again = try await SampleNetwork(locations: locations, voyages: voyages).seed(now: now)
            #expect(again.locations == 0 && again.voyages == 0, "seeding twice changes nothing")

            let repository = SQLCargoRepository(store: store, ids: SequentialIdentifiers())
            let id = TrackingID("0A1B2C3D")!
            let specification = try RouteSpecification(origin: UnLocode("CNHKG")!, destination: UnLocode("SESTO")!, arrivalDeadline: now.addingTimeInterval(60 * 86_400))
            var (cargo, events) = Cargo.book(id, specification: specification, at: now)
            try await repository.save(cargo, recording: nil, events: events)
            await #expect(throws: CargoError.concurrentUpdate) { try await repository.save(cargo, recording: nil, events: events) }

            let routing = GraphRoutingService(voyages: voyages)
            let itinerary = try #require(try await routing.candidates(for: specification, earliestDeparture: now, limit: 1).first)
            cargo = try #require(try await repository.cargo(id))
            events = cargo.assign(itinerary, at: now)
            try await repository.save(cargo, recording: nil, events: events)
            let handling = try HandlingEvent(trackingID: id, type: .receive, location: UnLocode("CNHKG")!, voyage: nil, completionTime: now, registrationTime: now)
            cargo = try #require(try await repository.cargo(id))
            events = cargo.handled(handling, history: HandlingHistory([handling]), at: now)
            try await repository.save(cargo, recording: handling, events: events)
            // A stale copy (version 1) loses to the saved version 2.
            await #expect(throws: CargoError.concurrentUpdate) { try await repository.save(cargo, recording: handling, events: events) }

            let stored = try #require(try await repository.cargo(id))
            #expect(stored.itinerary == itinerary)
            #expect(stored.delivery.transportStatus == .inPort)
            #expect(stored.delivery.routingStatus == .routed)
            #expect(try await repository.history(of: id).events == [handling])
            let recorded = try await store.read { database in
                try await database.raw("SELECT type FROM outbox ORDER BY type").all().map { try $0.decode(column: "type", as: String.self) }
            }
            #expect(recorded == ["CargoBooked", "CargoHandled", "CargoRouted"])
        }
    }

    @Test func routingFindsConsistentItinerariesInArrivalOrderDeterministically() async throws {
        let store = try await SQLiteStore.open(path: nil, logger: Logger(label: "test"))
        try await CargoSchema.migrator.migrate(store, logger: Logger(label: "test"))
        let voyages = SQLVoyageRepository(store: store)
        try await SampleNetwork(locations: SQLLocationRepository(store: store), voyages: voyages).seed(now: now)
        let routing = GraphRoutingService(voyages: voyages)
        let specification = try RouteSpecification(origin: UnLocode("CNHKG")!, destination: UnLocode("SESTO")!, arrivalDeadline: now.addingTimeInterval(90 * 86_400))
        let candidates = try await routing.candidates(for: specification, earliestDeparture: now, limit: 5)
        #expect(candidates.count == 5)
        #expect(candidates.map(\.finalArrivalTime) == candidates.map(\.finalArrivalTime).sorted())
        for itinerary in candidates {
            #expect(specification.isSatisfied(by: itinerary))
            #expect(itinerary.legs[0].loadTime >= now)
            let stops = itinerary.legs.map(\.loadLocation) + [itinerary.finalArrivalLocation]
            #expect(Set(stops).count == stops.count, "no location is visited twice")
        }
        #expect(try await routing.candidates(for: specification, earliestDeparture: now, limit: 5) == candidates)
        let tooSoon = try RouteSpecification(origin: UnLocode("CNHKG")!, destination: UnLocode("SESTO")!, arrivalDeadline: now.addingTimeInterval(86_400))
        #expect(try await routing.candidates(for: tooSoon, earliestDeparture: now, limit: 5).isEmpty)
        try await store.close()
    }
}
