import CargoContracts
import Foundation
import StorefrontDomain
import TradewindRuntime

/// Ports and tracking through the cargo context's published client (`CargoContracts.Client`): both are open to
/// anyone, so no token is sent.
public struct CargoTrackingClient: Freight {
    let cargo: Client

    public init(client: ServiceClient, timeout: Duration = .seconds(5)) {
        cargo = Client(serverURL: ServiceClientTransport.serverURL(for: CargoContract.service), configuration: .tradewind,
                       transport: ServiceClientTransport(client, service: CargoContract.service, timeout: timeout))
    }

    public func ports() async throws -> [DestinationPort] {
        guard case .ok(let ok) = try await reach(Self.unavailable, { try await cargo.listLocations() }) else { throw Self.unavailable }
        return try ok.body.json.items.map { DestinationPort(code: $0.unLocode, name: $0.name) }.sorted { $0.name < $1.name }
    }

    public func tracking(id: String) async throws -> Tracking? {
        switch try await reach(Self.unavailable, { try await cargo.trackCargo(path: .init(trackingId: id)) }) {
        case .ok(let ok): return Self.tracking(try ok.body.json)
        case .notFound: return nil
        default: throw Self.unavailable
        }
    }

    static func tracking(_ view: Components.Schemas.TrackingView) -> Tracking {
        Tracking(
            trackingID: view.trackingId, status: view.statusText, destination: view.destination, estimatedArrival: view.estimatedTimeOfArrival,
            nextActivity: view.nextExpectedActivity, misdirected: view.misdirected,
            route: view.itinerary?.legs.map {
                Tracking.Leg(voyage: $0.voyage, from: $0.loadLocation, to: $0.unloadLocation, departs: $0.loadTime, arrives: $0.unloadTime)
            } ?? [],
            events: view.events.map { Tracking.Event(description: $0.description, completedAt: $0.completionTime, expected: $0.expected) }
        )
    }

    static let unavailable = StorefrontError.unavailable("the freight service is not answering")

}
