import Foundation
import TradewindKernel

/// A cargo was given an itinerary of `legs` voyages that ends at `finalArrival`.
public struct CargoRouted: PublishedEvent {
    public static let name = "CargoRouted"
    public static let version = 1
    public static let publisher = CargoContract.service

    public let trackingId: String
    public let finalArrival: Date
    /// How many voyages the itinerary takes.
    public let legs: Int

    public var aggregateID: String { trackingId }

    public init(trackingId: String, finalArrival: Date, legs: Int) {
        self.trackingId = trackingId
        self.finalArrival = finalArrival
        self.legs = legs
    }
}
