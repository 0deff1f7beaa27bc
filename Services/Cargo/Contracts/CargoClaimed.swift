import Foundation
import TradewindKernel

/// The customer claimed the cargo at its destination: its journey is over.
public struct CargoClaimed: PublishedEvent {
    public static let name = "CargoClaimed"
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
