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

    /// A batch of bookings is written at once (one statement on PostgreSQL, one transaction on SQLite); a booking whose reference was taken meanwhile stores nothing, not even
    /// its events, and the others are stored.
    /// Locations are never removed, so a code found once is not looked up again; one not found is, each time.
    @Test(arguments: TestDatabases.available)
    func aLocationFoundOnceStaysKnownAndAnUnknownOneIsAskedAgain(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let locations = SQLLocationRepository(store: store)
            try await SampleNetwork(locations: locations, voyages: SQLVoyageRepository(store: store)).seed(now: now)
            #expect(try await locations.knownCodes(among: [UnLocode("CNHKG")!, UnLocode("ZZZZZ")!]) == [UnLocode("CNHKG")!])
            // Behind the repository's back: one found code goes, the unknown one comes.
            _ = try await store.transaction { database in
                try await database.raw("DELETE FROM locations WHERE unlocode = 'CNHKG'").all()
                try await database.raw("INSERT INTO locations (unlocode, name) VALUES ('ZZZZZ', 'Nowhere')").all()
            }
            #expect(try await locations.knownCodes(among: [UnLocode("CNHKG")!, UnLocode("ZZZZZ")!, UnLocode("SESTO")!])
                    == [UnLocode("CNHKG")!, UnLocode("ZZZZZ")!, UnLocode("SESTO")!])
            #expect(try await SQLLocationRepository(store: store).knownCodes(among: [UnLocode("CNHKG")!]).isEmpty, "a new repository asks the database")
        }
    }

    @Test(arguments: TestDatabases.available)
    func aBatchOfBookingsSkipsTakenReferences(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let locations = SQLLocationRepository(store: store), voyages = SQLVoyageRepository(store: store)
            try await SampleNetwork(locations: locations, voyages: voyages).seed(now: now)
            #expect(try await locations.knownCodes(among: [UnLocode("CNHKG")!, UnLocode("ZZZZZ")!, UnLocode("SESTO")!, UnLocode("CNHKG")!])
                    == [UnLocode("CNHKG")!, UnLocode("SESTO")!])
            let repository = SQLCargoRepository(store: store, ids: SequentialIdentifiers())
            let specification = try RouteSpecification(origin: UnLocode("CNHKG")!, destination: UnLocode("SESTO")!, arrivalDeadline: now.addingTimeInterval(60 * 86_400))
            func booking(_ id: String, _ reference: String?) -> NewBooking {
                let (cargo, events) = Cargo.book(TrackingID(id)!, specification: specification, at: now)
                return NewBooking(cargo: cargo, reference: reference, events: events)
            }
            #expect(try await repository.book([booking("0000001A", "order-1")]).isEmpty)
            let notStored = try await repository.book([booking("0000001B", "order-2"), booking("0000001C", "order-1"), booking("0000001D", nil)])
            #expect(notStored == [TrackingID("0000001C")!])
            #expect(try await repository.cargo(TrackingID("0000001C")!) == nil)
            let byReference = try await repository.cargos(references: ["order-1", "order-2", "order-9", "order-1"])
            #expect(byReference.mapValues(\.trackingID) == ["order-1": TrackingID("0000001A")!, "order-2": TrackingID("0000001B")!])
            let booked = try await store.read { database in
                try await database.raw("SELECT aggregate_id FROM outbox WHERE type = 'CargoBooked' ORDER BY aggregate_id").all()
                    .map { try $0.decode(column: "aggregate_id", as: String.self) }
            }
            #expect(booked == ["0000001A", "0000001B", "0000001D"])
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
