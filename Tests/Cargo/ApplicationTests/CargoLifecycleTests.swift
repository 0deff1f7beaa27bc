import CargoApplication
import CargoDomain
import CargoInfrastructure
import Foundation
import Logging
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// The whole life of a cargo over the real repositories and routing (in-memory SQLite), checking the delivery
/// after every step: book Hongkong → Stockholm, route, receive, load, unload where the itinerary does not expect
/// it, reroute from there, travel on, claim.
@Suite struct CargoLifecycleTests {
    let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))

    struct Services {
        let book: BookCargo
        let findRoutes: FindCandidateRoutes
        let assignRoute: AssignRoute
        let reroute: RerouteCargo
        let registerHandling: RegisterHandlingEvent
        let registerBatch: RegisterHandlingBatch
        let track: TrackCargo
        let browse: BrowseNetwork
    }

    func withServices(_ body: (Services) async throws -> Void) async throws {
        let store = try await SQLiteStore.open(path: nil, logger: Logger(label: "test"))
        try await CargoSchema.migrator.migrate(store, logger: Logger(label: "test"))
        let ids = SequentialIdentifiers()
        let cargos = SQLCargoRepository(store: store, ids: ids), locations = SQLLocationRepository(store: store), voyages = SQLVoyageRepository(store: store)
        try await SampleNetwork(locations: locations, voyages: voyages).seed(now: clock.now())
        try await body(Services(
            book: BookCargo(cargos: cargos, locations: locations, routing: GraphRoutingService(voyages: voyages), clock: clock, ids: ids),
            findRoutes: FindCandidateRoutes(cargos: cargos, routing: GraphRoutingService(voyages: voyages), clock: clock),
            assignRoute: AssignRoute(cargos: cargos, locations: locations, voyages: voyages, clock: clock),
            reroute: RerouteCargo(cargos: cargos, clock: clock),
            registerHandling: RegisterHandlingEvent(cargos: cargos, locations: locations, voyages: voyages, clock: clock),
            registerBatch: RegisterHandlingBatch(cargos: cargos, locations: locations, voyages: voyages, clock: clock),
            track: TrackCargo(cargos: cargos, locations: locations),
            browse: BrowseNetwork(cargos: cargos, locations: locations, voyages: voyages)
        ))
        try await store.close()
    }

    /// A report of something that happened at `time`, made a minute later (the clock moves on to then).
    func report(_ id: TrackingID, _ type: HandlingEventType, _ location: String, _ voyage: String? = nil, at time: Date) -> HandlingReport {
        if clock.now() < time.addingTimeInterval(60) { clock.advance(by: time.addingTimeInterval(60).timeIntervalSince(clock.now())) }
        return HandlingReport(completionTime: time, trackingID: id, type: type, location: UnLocode(location)!, voyage: voyage.map { VoyageNumber($0)! })
    }

    @Test func hongkongToStockholmWithAMisdirectionOnTheWay() async throws {
        try await withServices { services in
            let deadline = clock.now().addingTimeInterval(120 * 86_400)
            let booked = try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: deadline, reference: "order-1").cargo
            let again = try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: deadline, reference: "order-1")
            #expect(again.cargo.trackingID == booked.trackingID && !again.created, "booking again under a reference is the same booking")
            #expect(try await services.browse.allCargos().count == 1)
            let id = booked.trackingID
            #expect(booked.delivery.transportStatus == .notReceived)
            #expect(booked.delivery.routingStatus == .notRouted)
            #expect(booked.delivery.nextExpectedActivity == nil)
            #expect(booked.delivery.estimatedTimeOfArrival == nil)

            // Routing: candidates satisfy the specification, in arrival order.
            let candidates = try await services.findRoutes.execute(for: id)
            #expect(!candidates.isEmpty)
            #expect(candidates.allSatisfy { booked.routeSpecification.isSatisfied(by: $0) })
            #expect(candidates.map(\.finalArrivalTime) == candidates.map(\.finalArrivalTime).sorted())
            #expect(try await services.findRoutes.execute(for: id) == candidates, "the same network gives the same answer")
            // The plan used below goes through Tokyo first, so that unloading elsewhere is a misdirection.
            let viaTokyo = try #require(candidates.first { $0.legs.count > 1 } ?? candidates.first)
            var cargo = try await services.assignRoute.execute(viaTokyo, to: id)
            #expect(cargo.delivery.routingStatus == .routed)
            #expect(cargo.delivery.estimatedTimeOfArrival == viaTokyo.finalArrivalTime)
            #expect(cargo.delivery.nextExpectedActivity == HandlingActivity(.receive, at: UnLocode("CNHKG")!))

            let first = viaTokyo.legs[0]
            cargo = try await services.registerHandling.execute(report(id, .receive, "CNHKG", at: first.loadTime.addingTimeInterval(-3600)))
            #expect(cargo.delivery.transportStatus == .inPort)
            #expect(cargo.delivery.lastKnownLocation == UnLocode("CNHKG"))
            #expect(cargo.delivery.nextExpectedActivity == HandlingActivity(.load, at: first.loadLocation, voyage: first.voyage))

            cargo = try await services.registerHandling.execute(report(id, .load, "CNHKG", first.voyage.value, at: first.loadTime))
            #expect(cargo.delivery.transportStatus == .onboardCarrier)
            #expect(cargo.delivery.currentVoyage == first.voyage)
            #expect(cargo.delivery.nextExpectedActivity == HandlingActivity(.unload, at: first.unloadLocation, voyage: first.voyage))

            // Unloaded somewhere the plan does not say: misdirected, no ETA, no next activity.
            let wrongPort = first.unloadLocation == UnLocode("CNHGH")! ? "JNTKO" : "CNHGH"
            clock.advance(by: 86_400)
            cargo = try await services.registerHandling.execute(report(id, .unload, wrongPort, first.voyage.value, at: clock.now()))
            #expect(cargo.delivery.isMisdirected)
            #expect(cargo.delivery.transportStatus == .inPort)
            #expect(cargo.delivery.lastKnownLocation == UnLocode(wrongPort))
            #expect(cargo.delivery.currentVoyage == nil)
            #expect(cargo.delivery.estimatedTimeOfArrival == nil)
            #expect(cargo.delivery.nextExpectedActivity == nil)

            // Reroute from there: the old itinerary no longer fits (MISROUTED) until a new one is assigned.
            cargo = try await services.reroute.execute(id)
            #expect(cargo.routeSpecification.origin == UnLocode(wrongPort))
            #expect(cargo.delivery.routingStatus == .misrouted)
            #expect(cargo.delivery.nextExpectedActivity == nil)
            let fromHere = try await services.findRoutes.execute(for: id)
            let newPlan = try #require(fromHere.first)
            #expect(newPlan.initialDepartureLocation == UnLocode(wrongPort))
            cargo = try await services.assignRoute.execute(newPlan, to: id)
            #expect(cargo.delivery.routingStatus == .routed)
            #expect(!cargo.delivery.isMisdirected, "the cargo waits where the new plan starts")
            #expect(cargo.delivery.estimatedTimeOfArrival == newPlan.finalArrivalTime)
            #expect(cargo.delivery.nextExpectedActivity == HandlingActivity(.load, at: newPlan.legs[0].loadLocation, voyage: newPlan.legs[0].voyage))

            // Travel the new plan to the end.
            for leg in newPlan.legs {
                cargo = try await services.registerHandling.execute(report(id, .load, leg.loadLocation.value, leg.voyage.value, at: leg.loadTime))
                #expect(cargo.delivery.transportStatus == .onboardCarrier)
                #expect(cargo.delivery.currentVoyage == leg.voyage)
                #expect(cargo.delivery.nextExpectedActivity == HandlingActivity(.unload, at: leg.unloadLocation, voyage: leg.voyage))
                cargo = try await services.registerHandling.execute(report(id, .unload, leg.unloadLocation.value, leg.voyage.value, at: leg.unloadTime))
                #expect(cargo.delivery.transportStatus == .inPort)
                #expect(!cargo.delivery.isMisdirected)
            }
            #expect(cargo.delivery.isUnloadedAtDestination)
            #expect(cargo.delivery.nextExpectedActivity == HandlingActivity(.claim, at: UnLocode("SESTO")!))
            cargo = try await services.registerHandling.execute(report(id, .claim, "SESTO", at: newPlan.finalArrivalTime.addingTimeInterval(3600)))
            #expect(cargo.delivery.transportStatus == .claimed)
            #expect(cargo.delivery.nextExpectedActivity == nil)

            let view = try await services.track.execute(id)
            #expect(view.events.count == 4 + 2 * newPlan.legs.count)
            #expect(view.events.filter { !$0.expected }.map(\.event.type) == [.receive, .load], "the first plan's events no longer fit the new one")
        }
    }

    /// A retried booking is the booking made then, even when the same request made fresh would now be refused.
    @Test func aRetryAfterTheDeadlinePassedIsStillTheFirstBooking() async throws {
        try await withServices { services in
            let deadline = clock.now().addingTimeInterval(120 * 86_400)
            let booked = try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: deadline,
                                                         reference: "order-7", routed: .earliestArrival)
            clock.advance(by: 121 * 86_400)
            let results = try await services.book.execute([
                BookCargo.Request(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: deadline, reference: "order-7", routed: .earliestArrival),
                BookCargo.Request(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: deadline, reference: "order-8"),
            ])
            let again = try results[0].get()
            #expect(!again.created && again.cargo.trackingID == booked.cargo.trackingID)
            #expect(throws: CargoError.self) { try results[1].get() }
            #expect(try await services.browse.allCargos().count == 1)
        }
    }

    @Test func bookingRoutedOnTheEarliestArrivalIsOneStep() async throws {
        try await withServices { services in
            let deadline = clock.now().addingTimeInterval(120 * 86_400)
            // No voyage arrives within a day: nothing is booked, not even unrouted.
            await #expect(throws: CargoError.noRoute(destination: "SESTO")) {
                try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: clock.now().addingTimeInterval(86_400),
                                                reference: "order-1", routed: .earliestArrival)
            }
            #expect(try await services.browse.allCargos().isEmpty)

            let booked = try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: deadline,
                                                         reference: "order-2", routed: .earliestArrival)
            #expect(booked.created)
            let earliest = try #require(try await services.findRoutes.execute(for: booked.cargo.trackingID).first)
            #expect(booked.cargo.itinerary == earliest, "the candidate listed first, as a booker routing by hand would take it")
            #expect(booked.cargo.delivery.routingStatus == .routed)
            #expect(try await services.track.execute(booked.cargo.trackingID).cargo.itinerary == earliest, "stored routed")
            let again = try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: deadline,
                                                        reference: "order-2", routed: .earliestArrival)
            #expect(!again.created && again.cargo.trackingID == booked.cargo.trackingID && again.cargo.itinerary == earliest)
            #expect(try await services.browse.allCargos().count == 1)
        }
    }

    @Test func badReportsAreRejectedAndChangeNothing() async throws {
        try await withServices { services in
            let cargo = try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("SESTO")!, arrivalDeadline: clock.now().addingTimeInterval(90 * 86_400)).cargo
            let id = cargo.trackingID
            await #expect(throws: CargoError.unknownCargo("FFFFFFFF")) { try await services.registerHandling.execute(report(TrackingID("FFFFFFFF")!, .receive, "CNHKG", at: clock.now())) }
            await #expect(throws: CargoError.unknownLocation("XXXXX")) { try await services.registerHandling.execute(report(id, .receive, "XXXXX", at: clock.now())) }
            await #expect(throws: CargoError.unknownVoyage("NOPE")) { try await services.registerHandling.execute(report(id, .load, "CNHKG", "NOPE", at: clock.now())) }
            await #expect(throws: CargoError.voyageRequired(.load)) { try await services.registerHandling.execute(report(id, .load, "CNHKG", at: clock.now())) }
            await #expect(throws: CargoError.voyageNotAllowed(.receive)) { try await services.registerHandling.execute(report(id, .receive, "CNHKG", "V100", at: clock.now())) }
            await #expect(throws: CargoError.self) { try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("CNHKG")!, arrivalDeadline: clock.now().addingTimeInterval(86_400)) }
            await #expect(throws: CargoError.unknownLocation("ZZZZZ")) { try await services.book.execute(from: UnLocode("CNHKG")!, to: UnLocode("ZZZZZ")!, arrivalDeadline: clock.now().addingTimeInterval(86_400)) }
            #expect(try await services.track.execute(id).events.isEmpty)

            // Lines 4 and 6 could not be read (the Interface says why); 3 and 5 are refused here. Nothing is stored.
            let time = clock.now().addingTimeInterval(-3600)
            let lines: [RegisterHandlingBatch.Line] = [
                .init(number: 2, report: report(id, .receive, "CNHKG", at: time)), .init(number: 3, report: report(id, .load, "CNHKG", at: time)),
                .init(number: 5, report: report(id, .receive, "XXXXX", at: time)),
            ]
            do {
                _ = try await services.registerBatch.execute(lines, unreadable: [.init(line: 6, reason: .unreadable("short")), .init(line: 4, reason: .unreadable("no time"))])
                Issue.record("a batch with bad lines was accepted")
            } catch let rejected as RegisterHandlingBatch.BatchRejected {
                #expect(rejected.problems == [
                    .init(line: 3, reason: .refused(.voyageRequired(.load))), .init(line: 4, reason: .unreadable("no time")),
                    .init(line: 5, reason: .refused(.unknownLocation("XXXXX"))), .init(line: 6, reason: .unreadable("short")),
                ])
            }
            #expect(try await services.track.execute(id).events.isEmpty, "nothing of a rejected batch is stored")
            #expect(try await services.registerBatch.execute([.init(number: 1, report: report(id, .receive, "CNHKG", at: time))]) == 1)
            #expect(try await services.track.execute(id).cargo.delivery.transportStatus == .inPort)
        }
    }
}
