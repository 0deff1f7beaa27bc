import Foundation
import TradewindKernel

/// A handling event was registered for a cargo: received, loaded onto or unloaded from a voyage, through customs,
/// or claimed at its destination.
public struct CargoHandled: PublishedEvent {
    public static let name = "CargoHandled"
    public static let version = 1
    public static let publisher = CargoContract.service

    /// What happened to the cargo, as the cargo context's handling events name it.
    public enum Handling: String, Codable, Sendable, CaseIterable {
        case receive = "RECEIVE", load = "LOAD", unload = "UNLOAD", customs = "CUSTOMS", claim = "CLAIM"
    }

    public let trackingId: String
    public let type: Handling
    /// UN/LOCODE of where it happened.
    public let location: String
    /// The voyage of a LOAD or UNLOAD; absent otherwise.
    public let voyage: String?
    public let completionTime: Date

    public var aggregateID: String { trackingId }

    public init(trackingId: String, type: Handling, location: String, voyage: String?, completionTime: Date) {
        self.trackingId = trackingId
        self.type = type
        self.location = location
        self.voyage = voyage
        self.completionTime = completionTime
    }
}
