import Foundation
import TradewindKernel

/// A handling event put the cargo where its itinerary does not take it: it must be rerouted.
public struct CargoMisdirected: PublishedEvent {
    public static let name = "CargoMisdirected"
    public static let version = 1
    public static let publisher = CargoContract.service

    public let trackingId: String
    /// UN/LOCODE of where the cargo is.
    public let location: String

    public var aggregateID: String { trackingId }

    public init(trackingId: String, location: String) {
        self.trackingId = trackingId
        self.location = location
    }
}
