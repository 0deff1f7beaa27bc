import Foundation
import TradewindKernel

/// A cargo was booked: it exists under `trackingId` and must go from `origin` to `destination` by the deadline.
public struct CargoBooked: PublishedEvent {
    public static let name = "CargoBooked"
    public static let version = 1
    public static let publisher = CargoContract.service

    public let trackingId: String
    /// UN/LOCODE of the place of receipt.
    public let origin: String
    /// UN/LOCODE of the place of delivery.
    public let destination: String
    public let arrivalDeadline: Date

    public var aggregateID: String { trackingId }

    public init(trackingId: String, origin: String, destination: String, arrivalDeadline: Date) {
        self.trackingId = trackingId
        self.origin = origin
        self.destination = destination
        self.arrivalDeadline = arrivalDeadline
    }
}
