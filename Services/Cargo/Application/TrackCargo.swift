import CargoDomain
import Foundation

/// What anyone with the tracking id may see: the cargo, its handling events (each marked as expected by the plan
/// or not), and the names of the locations to describe them.
public struct TrackCargo: Sendable {
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

    public init(cargos: any CargoRepository, locations: any LocationRepository) {
        self.cargos = cargos
        self.locations = locations
    }

    public func execute(_ id: TrackingID) async throws -> View {
        let cargo = try await cargos.existing(id)
        let history = try await cargos.history(of: id)
        let names = Dictionary(try await locations.all().map { ($0.unLocode, $0.name) }, uniquingKeysWith: { first, _ in first })
        return View(cargo: cargo, events: history.events.map { event in
            View.Event(event: event, expected: cargo.itinerary.map { $0.expects(event) } ?? true)
        }, locationNames: names)
    }
}
