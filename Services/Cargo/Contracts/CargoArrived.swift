import Foundation
import TradewindKernel

/// The cargo was unloaded at its final destination.
public struct CargoArrived: PublishedEvent {
    public static let name = "CargoArrived"
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
