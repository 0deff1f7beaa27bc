import CargoDomain
import Foundation

/// The read-only lists: every booked cargo, and the network's locations and voyages.
public struct BrowseNetwork: Sendable {
    let cargos: any CargoRepository
    let locations: any LocationRepository
    let voyages: any VoyageRepository

    public init(cargos: any CargoRepository, locations: any LocationRepository, voyages: any VoyageRepository) {
        self.cargos = cargos
        self.locations = locations
        self.voyages = voyages
    }

    public func allCargos() async throws -> [Cargo] { try await cargos.all() }
    public func allLocations() async throws -> [Location] { try await locations.all() }
    public func allVoyages() async throws -> [Voyage] { try await voyages.all() }
}
