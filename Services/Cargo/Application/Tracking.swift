import CargoDomain
import Foundation

/// Reading: a cargo's public tracking view, the list of cargos, locations and voyages.
public struct Tracking: Sendable {
    /// What anyone with the tracking id may see.
    public struct View: Sendable, Equatable {
        public struct Event: Sendable, Equatable {
            public let event: HandlingEvent
            public let expected: Bool
        }

        public let cargo: Cargo
        public let events: [Event]
        /// Names of the locations by code, for describing them.
        public let locationNames: [UnLocode: String]

        public func name(of code: UnLocode) -> String { locationNames[code] ?? code.value }
    }

    let cargos: any CargoRepository
    let locations: any LocationRepository
    let voyages: any VoyageRepository

    public init(cargos: any CargoRepository, locations: any LocationRepository, voyages: any VoyageRepository) {
        self.cargos = cargos
        self.locations = locations
        self.voyages = voyages
    }

    public func track(_ id: String) async throws -> View {
        guard let trackingID = TrackingID(id), let cargo = try await cargos.cargo(trackingID) else { throw CargoError.unknownCargo(String(id.prefix(20))) }
        let history = try await cargos.history(of: trackingID)
        let names = Dictionary(try await locations.all().map { ($0.unLocode, $0.name) }, uniquingKeysWith: { first, _ in first })
        return View(cargo: cargo, events: history.events.map { event in
            View.Event(event: event, expected: cargo.itinerary.map { $0.expects(event) } ?? true)
        }, locationNames: names)
    }

    public func cargo(_ id: String) async throws -> Cargo { try await track(id).cargo }
    public func allCargos() async throws -> [Cargo] { try await cargos.all() }
    public func allLocations() async throws -> [Location] { try await locations.all() }
    public func allVoyages() async throws -> [Voyage] { try await voyages.all() }
}
