import CargoApplication
import CargoDomain
import CargoInfrastructure
import Foundation
import Logging
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// Batches of handling reports: several events for one cargo, and all or nothing even when the storage fails
/// part-way. (Reading the CSV, any line ending included, is the Interface's and is tested there.)
@Suite struct HandlingBatchTests {
    let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))

    /// The real SQL repositories, with one twist: just before a handling change of the `target` cargo is written,
    /// `interference` runs once, standing for another request that changes that cargo at that moment.
    final class InterferingRepository: CargoRepository {
        let inner: SQLCargoRepository
        let plan = Mutex<(target: TrackingID, interference: @Sendable () async throws -> Void)?>(nil)

        init(_ inner: SQLCargoRepository) { self.inner = inner }

        func interfere(beforeWriting cargos: [TrackingID]) async throws {
            let due = plan.withLock { plan -> (@Sendable () async throws -> Void)? in
                guard let current = plan, cargos.contains(current.target) else { return nil }
                plan = nil
                return current.interference
            }
            try await due?()
        }

        func cargo(_ id: TrackingID) async throws -> Cargo? { try await inner.cargo(id) }
        func cargo(reference: String) async throws -> Cargo? { try await inner.cargo(reference: reference) }
        func all() async throws -> [Cargo] { try await inner.all() }
        func history(of cargo: TrackingID) async throws -> HandlingHistory { try await inner.history(of: cargo) }
        func cargos(references: [String]) async throws -> [String: Cargo] { try await inner.cargos(references: references) }
        func book(_ bookings: [NewBooking]) async throws -> Set<TrackingID> { try await inner.book(bookings) }
        func save(_ cargo: Cargo, recording handling: HandlingEvent?, events: [CargoEvent]) async throws {
            if handling != nil { try await interfere(beforeWriting: [cargo.trackingID]) }
            try await inner.save(cargo, recording: handling, events: events)
        }
        func saveAll(_ changes: [CargoChange]) async throws {
            try await interfere(beforeWriting: changes.map(\.cargo.trackingID))
            try await inner.saveAll(changes)
        }
    }

    struct Services {
        let book: BookCargo
        let registerBatch: RegisterHandlingBatch
        let cargos: InterferingRepository
    }

    func withServices(_ body: (Services) async throws -> Void) async throws {
        let store = try await SQLiteStore.open(path: nil, logger: Logger(label: "test"))
        try await CargoSchema.migrator.migrate(store, logger: Logger(label: "test"))
        // Random identifiers: tracking ids are the first eight hex digits of a UUID, and this suite books several cargos.
        let ids = RandomIdentifierGenerator()
        let cargos = InterferingRepository(SQLCargoRepository(store: store, ids: ids))
        let locations = SQLLocationRepository(store: store), voyages = SQLVoyageRepository(store: store)
        try await SampleNetwork(locations: locations, voyages: voyages).seed(now: clock.now())
        try await body(Services(
            book: BookCargo(cargos: cargos, locations: locations, routing: GraphRoutingService(voyages: voyages), clock: clock, ids: ids),
            registerBatch: RegisterHandlingBatch(cargos: cargos, locations: locations, voyages: voyages, clock: clock),
            cargos: cargos
        ))
        try await store.close()
    }

    func book(_ services: Services) async throws -> TrackingID {
        try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: clock.now().addingTimeInterval(120 * 86_400)).cargo.trackingID
    }

    func line(_ number: Int, _ id: TrackingID, _ type: HandlingEventType, _ voyage: String? = nil, at offset: TimeInterval) -> RegisterHandlingBatch.Line {
        .init(number: number, report: HandlingReport(completionTime: clock.now().addingTimeInterval(offset), trackingID: id, type: type,
                                                     location: UnLocode("CNHKG")!, voyage: voyage.map { VoyageNumber($0)! }))
    }

    @Test func severalEventsForOneCargoAreAppliedInOrderOfCompletion() async throws {
        try await withServices { services in
            let id = try await book(services)
            // Listed out of order: the LOAD happened after the RECEIVE.
            #expect(try await services.registerBatch.execute([line(1, id, .load, "V100", at: -3600), line(2, id, .receive, at: -7200)]) == 2)
            let cargo = try #require(try await services.cargos.cargo(id))
            #expect(cargo.delivery.transportStatus == .onboardCarrier)
            #expect(cargo.version == 3, "booked at 1, then one version per event")
        }
    }

    @Test func aBatchThatFailsPartWayStoresNothing() async throws {
        try await withServices { services in
            let first = try await book(services), second = try await book(services)
            // Just before the second cargo's change is written, someone else changes that cargo: its change cannot be
            // stored, and neither may the first cargo's, which was fine on its own.
            let inner = services.cargos.inner
            services.cargos.plan.withLock { plan in
                plan = (second, {
                    let current = try #require(try await inner.cargo(second))
                    try await inner.save(current, recording: nil, events: [])
                })
            }
            let lines = [line(1, first, .receive, at: -7200), line(2, second, .receive, at: -3600)]
            await #expect(throws: CargoError.concurrentUpdate) { try await services.registerBatch.execute(lines) }
            #expect(try await services.cargos.history(of: first).events.isEmpty, "the first cargo's event was stored without the second's")
            #expect(try await services.cargos.history(of: second).events.isEmpty)
            #expect(try await services.cargos.cargo(first)?.version == 1)
        }
    }
}
