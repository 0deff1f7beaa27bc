import CargoDomain
import Foundation
import Testing
import TradewindKernel

/// Shared places, voyages and times for the cargo model tests.
enum Sample {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static func day(_ n: Double) -> Date { t0.addingTimeInterval(n * 86_400) }
    static func code(_ text: String) -> UnLocode { UnLocode(text)! }
    static func voyage(_ text: String) -> VoyageNumber { VoyageNumber(text)! }
    static let hongkong = code("CNHKG"), tokyo = code("JNTKO"), newYork = code("USNYC"), chicago = code("USCHI")
    static let stockholm = code("SESTO"), helsinki = code("FIHEL"), hamburg = code("DEHAM")
    static let id = TrackingID("ABC12345")!

    /// Hongkong → New York (V100) → Chicago (0200T) → Stockholm (V200).
    static func itinerary() throws -> Itinerary {
        try Itinerary(legs: [
            try Leg(voyage: voyage("V100"), loadLocation: hongkong, unloadLocation: newYork, loadTime: day(1), unloadTime: day(5)),
            try Leg(voyage: voyage("0200T"), loadLocation: newYork, unloadLocation: chicago, loadTime: day(6), unloadTime: day(7)),
            try Leg(voyage: voyage("V200"), loadLocation: chicago, unloadLocation: stockholm, loadTime: day(8), unloadTime: day(12)),
        ])
    }

    static func specification(from origin: UnLocode = hongkong, deadline: Double = 20) throws -> RouteSpecification {
        try RouteSpecification(origin: origin, destination: stockholm, arrivalDeadline: day(deadline))
    }

    static func event(_ type: HandlingEventType, _ location: UnLocode, _ voyageNumber: String? = nil, on dayNumber: Double) throws -> HandlingEvent {
        try HandlingEvent(trackingID: id, type: type, location: location, voyage: voyageNumber.map(voyage), completionTime: day(dayNumber),
                          registrationTime: day(dayNumber).addingTimeInterval(60))
    }
}

@Suite struct CargoValueTests {
    @Test func identifiersHaveOneSpelling() {
        #expect(UnLocode("sesto")?.value == "SESTO")
        for bad in ["SEST", "SESTOO", "S1STO", "SES1O", "SE-TO", ""] { #expect(UnLocode(bad) == nil, "\(bad)") }
        #expect(UnLocode("USNY2") != nil)
        #expect(TrackingID("abc12345")?.value == "ABC12345")
        for bad in ["ABC1234", "ABC123456", "ABC1234G"] { #expect(TrackingID(bad) == nil, "\(bad)") }
        #expect(VoyageNumber("0100s")?.value == "0100S")
        #expect(VoyageNumber("") == nil)
    }

    @Test func eventsNeedAVoyageExactlyForLoadAndUnload() throws {
        #expect(throws: CargoError.voyageRequired(.load)) { try Sample.event(.load, Sample.hongkong, nil, on: 1) }
        #expect(throws: CargoError.voyageRequired(.unload)) { try Sample.event(.unload, Sample.hongkong, nil, on: 1) }
        for type in [HandlingEventType.receive, .claim, .customs] {
            #expect(throws: CargoError.voyageNotAllowed(type)) { try Sample.event(type, Sample.hongkong, "V100", on: 1) }
        }
    }

    @Test func itinerariesAndSpecificationsAreConsistent() throws {
        #expect(throws: CargoError.self) { try Itinerary(legs: []) }
        #expect(throws: CargoError.self) {
            try Itinerary(legs: [
                try Leg(voyage: Sample.voyage("V1"), loadLocation: Sample.hongkong, unloadLocation: Sample.tokyo, loadTime: Sample.day(1), unloadTime: Sample.day(2)),
                try Leg(voyage: Sample.voyage("V2"), loadLocation: Sample.newYork, unloadLocation: Sample.chicago, loadTime: Sample.day(3), unloadTime: Sample.day(4)),
            ])
        }
        #expect(throws: CargoError.invalid("origin and destination must differ")) {
            try RouteSpecification(origin: Sample.hongkong, destination: Sample.hongkong, arrivalDeadline: Sample.day(1))
        }
        let itinerary = try Sample.itinerary()
        #expect(try Sample.specification().isSatisfied(by: itinerary))
        #expect(!(try Sample.specification(deadline: 12)).isSatisfied(by: itinerary), "arriving at the deadline is late")
        #expect(!(try Sample.specification(from: Sample.tokyo)).isSatisfied(by: itinerary))
    }

    @Test func theLastEventIsTheLatestByCompletionTime() throws {
        let history = HandlingHistory([try Sample.event(.load, Sample.hongkong, "V100", on: 2), try Sample.event(.receive, Sample.hongkong, on: 1)])
        #expect(history.lastEvent?.type == .load)
    }
}

@Suite struct DeliveryDerivationTests {
    @Test func transportStatusFollowsTheLastEvent() throws {
        let spec = try Sample.specification(), itinerary = try Sample.itinerary()
        func delivery(_ event: HandlingEvent?) -> Delivery { Delivery(specification: spec, itinerary: itinerary, lastEvent: event, at: Sample.t0) }
        #expect(delivery(nil).transportStatus == .notReceived)
        #expect(delivery(try Sample.event(.receive, Sample.hongkong, on: 1)).transportStatus == .inPort)
        let loaded = delivery(try Sample.event(.load, Sample.hongkong, "V100", on: 1))
        #expect(loaded.transportStatus == .onboardCarrier)
        #expect(loaded.currentVoyage == Sample.voyage("V100"))
        let unloaded = delivery(try Sample.event(.unload, Sample.newYork, "V100", on: 5))
        #expect(unloaded.transportStatus == .inPort)
        #expect(unloaded.currentVoyage == nil)
        #expect(unloaded.lastKnownLocation == Sample.newYork)
        #expect(delivery(try Sample.event(.customs, Sample.newYork, on: 5)).transportStatus == .inPort)
        #expect(delivery(try Sample.event(.claim, Sample.stockholm, on: 13)).transportStatus == .claimed)
    }

    @Test func routingStatusComparesTheItineraryWithTheSpecification() throws {
        #expect(Delivery(specification: try Sample.specification(), itinerary: nil, lastEvent: nil, at: Sample.t0).routingStatus == .notRouted)
        #expect(Delivery(specification: try Sample.specification(), itinerary: try Sample.itinerary(), lastEvent: nil, at: Sample.t0).routingStatus == .routed)
        #expect(Delivery(specification: try Sample.specification(deadline: 10), itinerary: try Sample.itinerary(), lastEvent: nil, at: Sample.t0).routingStatus == .misrouted)
    }

    @Test func expectedEventsAndMisdirection() throws {
        let itinerary = try Sample.itinerary()
        let expected: [HandlingEvent] = [
            try Sample.event(.receive, Sample.hongkong, on: 0), try Sample.event(.load, Sample.hongkong, "V100", on: 1),
            try Sample.event(.unload, Sample.newYork, "V100", on: 5), try Sample.event(.load, Sample.newYork, "0200T", on: 6),
            try Sample.event(.customs, Sample.tokyo, on: 6), try Sample.event(.claim, Sample.stockholm, on: 13),
        ]
        for event in expected { #expect(itinerary.expects(event), "\(event.type) at \(event.location)") }
        let unexpected: [HandlingEvent] = [
            try Sample.event(.receive, Sample.newYork, on: 0), try Sample.event(.load, Sample.hongkong, "V200", on: 1),
            try Sample.event(.unload, Sample.tokyo, "V100", on: 3), try Sample.event(.claim, Sample.newYork, on: 13),
        ]
        for event in unexpected { #expect(!itinerary.expects(event), "\(event.type) at \(event.location)") }
        let misdirected = Delivery(specification: try Sample.specification(), itinerary: itinerary, lastEvent: unexpected[2], at: Sample.t0)
        #expect(misdirected.isMisdirected)
        #expect(misdirected.estimatedTimeOfArrival == nil)
        #expect(misdirected.nextExpectedActivity == nil)
        let unrouted = Delivery(specification: try Sample.specification(), itinerary: nil, lastEvent: unexpected[2], at: Sample.t0)
        #expect(!unrouted.isMisdirected, "without an itinerary every event is expected")
        #expect(unrouted.nextExpectedActivity == nil)
    }

    @Test func nextExpectedActivityWalksTheItinerary() throws {
        let spec = try Sample.specification(), itinerary = try Sample.itinerary()
        func next(_ event: HandlingEvent?) -> HandlingActivity? {
            Delivery(specification: spec, itinerary: itinerary, lastEvent: event, at: Sample.t0).nextExpectedActivity
        }
        #expect(next(nil) == HandlingActivity(.receive, at: Sample.hongkong))
        #expect(next(try Sample.event(.receive, Sample.hongkong, on: 0)) == HandlingActivity(.load, at: Sample.hongkong, voyage: Sample.voyage("V100")))
        #expect(next(try Sample.event(.load, Sample.hongkong, "V100", on: 1)) == HandlingActivity(.unload, at: Sample.newYork, voyage: Sample.voyage("V100")))
        #expect(next(try Sample.event(.unload, Sample.newYork, "V100", on: 5)) == HandlingActivity(.load, at: Sample.newYork, voyage: Sample.voyage("0200T")))
        #expect(next(try Sample.event(.unload, Sample.stockholm, "V200", on: 12)) == HandlingActivity(.claim, at: Sample.stockholm))
        #expect(next(try Sample.event(.claim, Sample.stockholm, on: 13)) == nil)
        // Unloaded where a (new) plan starts: the first leg's load is next, and nothing is misdirected.
        let fromHongkong = Delivery(specification: spec, itinerary: itinerary, lastEvent: try Sample.event(.unload, Sample.hongkong, "0400S", on: 0), at: Sample.t0)
        #expect(!fromHongkong.isMisdirected)
        #expect(fromHongkong.nextExpectedActivity == HandlingActivity(.load, at: Sample.hongkong, voyage: Sample.voyage("V100")))
        let onTrack = Delivery(specification: spec, itinerary: itinerary, lastEvent: try Sample.event(.load, Sample.hongkong, "V100", on: 1), at: Sample.t0)
        #expect(onTrack.estimatedTimeOfArrival == Sample.day(12))
        #expect(Delivery(specification: spec, itinerary: itinerary, lastEvent: try Sample.event(.unload, Sample.stockholm, "V200", on: 12), at: Sample.t0).isUnloadedAtDestination)
    }
}

@Suite struct CargoAggregateTests {
    @Test func changesRecomputeTheDeliveryAndReportTheirEvents() throws {
        var (cargo, events) = Cargo.book(Sample.id, specification: try Sample.specification(), at: Sample.t0)
        #expect(events.map(\.name) == ["CargoBooked"])
        events = cargo.assign(try Sample.itinerary(), at: Sample.t0)
        #expect(events.map(\.name) == ["CargoRouted"])
        #expect(cargo.delivery.routingStatus == .routed)

        var history: [HandlingEvent] = []
        func handle(_ event: HandlingEvent) -> [String] {
            history.append(event)
            return cargo.handled(event, history: HandlingHistory(history), at: event.registrationTime).map(\.name)
        }
        #expect(handle(try Sample.event(.receive, Sample.hongkong, on: 0)) == ["CargoHandled"])
        #expect(handle(try Sample.event(.load, Sample.hongkong, "V100", on: 1)) == ["CargoHandled"])
        #expect(handle(try Sample.event(.unload, Sample.tokyo, "V100", on: 3)) == ["CargoHandled", "CargoMisdirected"])
        _ = try cargo.rerouteFromCurrentLocation(at: Sample.day(3))
        #expect(cargo.routeSpecification.origin == Sample.tokyo)
        #expect(cargo.delivery.routingStatus == .misrouted)
        let fromTokyo = try Itinerary(legs: [
            try Leg(voyage: Sample.voyage("V200"), loadLocation: Sample.tokyo, unloadLocation: Sample.stockholm, loadTime: Sample.day(4), unloadTime: Sample.day(9)),
        ])
        _ = cargo.assign(fromTokyo, at: Sample.day(3))
        #expect(cargo.delivery.isOnTrack)
        #expect(handle(try Sample.event(.load, Sample.tokyo, "V200", on: 4)) == ["CargoHandled"])
        #expect(handle(try Sample.event(.unload, Sample.stockholm, "V200", on: 9)) == ["CargoHandled", "CargoArrived"])
        #expect(handle(try Sample.event(.claim, Sample.stockholm, on: 10)) == ["CargoHandled", "CargoClaimed"])
        #expect(throws: CargoError.self) { try cargo.rerouteFromCurrentLocation(at: Sample.day(10)) }
    }

    @Test func aNewDestinationKeepsOriginAndDeadlineAndMayMisrouteThePlan() throws {
        var (cargo, _) = Cargo.book(Sample.id, specification: try Sample.specification(), at: Sample.t0)
        _ = cargo.assign(try Sample.itinerary(), at: Sample.t0)
        _ = try cargo.changeDestination(to: Sample.helsinki, at: Sample.t0)
        #expect(cargo.routeSpecification.origin == Sample.hongkong)
        #expect(cargo.routeSpecification.arrivalDeadline == Sample.day(20))
        #expect(cargo.delivery.routingStatus == .misrouted)
        #expect(cargo.delivery.estimatedTimeOfArrival == nil)
        #expect(throws: CargoError.self) { try cargo.changeDestination(to: Sample.hongkong, at: Sample.t0) }
        #expect(throws: CargoError.notReroutable("only a cargo waiting in port can be rerouted from where it is")) { try cargo.rerouteFromCurrentLocation(at: Sample.t0) }
    }
}
