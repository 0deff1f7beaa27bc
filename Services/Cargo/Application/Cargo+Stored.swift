import CargoDomain
import Foundation

extension Cargo {
    /// The cargo as stored after a successful save.
    func bumped() -> Cargo {
        Cargo(trackingID: trackingID, origin: origin, routeSpecification: routeSpecification, itinerary: itinerary,
              lastEvent: delivery.lastEvent, calculatedAt: delivery.calculatedAt, version: version + 1)
    }
}

extension CargoRepository {
    /// The cargo, or ``CargoError/unknownCargo(_:)``.
    func existing(_ id: TrackingID) async throws -> Cargo {
        guard let cargo = try await cargo(id) else { throw CargoError.unknownCargo(id.value) }
        return cargo
    }
}

extension LocationRepository {
    /// `code` when it is a location of the network, else ``CargoError/unknownLocation(_:)``.
    func known(_ code: UnLocode) async throws -> UnLocode {
        guard try await location(code) != nil else { throw CargoError.unknownLocation(code.value) }
        return code
    }
}
