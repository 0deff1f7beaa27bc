import Foundation
import OrderDomain
import TradewindKernel

/// What the freight of an order reports (from the cargo context's events), applied once however often it is
/// delivered; tracking ids of no order are not this context's business.
public struct RecordFreight: Sendable {
    /// A report in the order's terms: where the cargo is and how it moves.
    public struct Report: Sendable, Equatable {
        public let trackingID: String
        /// `nil` keeps what was known.
        public let transport: FreightStatus.Transport?
        public let location: String?
        public let misdirected: Bool?
        public let claimed: Bool

        public init(trackingID: String, transport: FreightStatus.Transport?, location: String?, misdirected: Bool?, claimed: Bool) {
            self.trackingID = trackingID
            self.transport = transport
            self.location = location
            self.misdirected = misdirected
            self.claimed = claimed
        }
    }

    let orders: any OrderRepository
    let clock: any WallClock

    public init(orders: any OrderRepository, clock: any WallClock) {
        self.orders = orders
        self.clock = clock
    }

    /// `eventID` and `eventType` identify the delivery, recorded with the change so that a redelivery changes nothing.
    public func execute(_ report: Report, eventID: String, eventType: String) async throws {
        guard var order = try await orders.order(trackingID: report.trackingID) else { return }
        let current = order.freight
        let freight = FreightStatus(transport: report.transport ?? current?.transport ?? .inPort, lastLocation: report.location ?? current?.lastLocation,
                                    misdirected: report.misdirected ?? current?.misdirected ?? false)
        let events = order.freightReported(freight, claimed: report.claimed, at: clock.now())
        _ = try await orders.save(order, consuming: eventID, eventType: eventType, events: events)
    }
}
