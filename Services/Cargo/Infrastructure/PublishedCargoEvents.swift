import CargoContracts
import CargoDomain
import Foundation
import TradewindRuntime

/// The cargo's domain events in the published language of `CargoContracts`, ready for the outbox.
enum PublishedCargoEvents {
    static func integrationEvent(_ event: CargoEvent, id: String, at occurredAt: Date) throws -> IntegrationEvent {
        switch event {
        case .booked(let trackingID, let specification):
            try IntegrationEvent(CargoBooked(trackingId: trackingID.value, origin: specification.origin.value,
                                             destination: specification.destination.value, arrivalDeadline: specification.arrivalDeadline),
                                 id: id, occurredAt: occurredAt)
        case .routed(let trackingID, let itinerary):
            try IntegrationEvent(CargoRouted(trackingId: trackingID.value, finalArrival: itinerary.finalArrivalTime, legs: itinerary.legs.count),
                                 id: id, occurredAt: occurredAt)
        case .handled(let handling):
            try IntegrationEvent(CargoHandled(trackingId: handling.trackingID.value, type: handlingType(handling.type),
                                              location: handling.location.value, voyage: handling.voyage?.value,
                                              completionTime: handling.completionTime),
                                 id: id, occurredAt: occurredAt)
        case .misdirected(let trackingID, let location):
            try IntegrationEvent(CargoMisdirected(trackingId: trackingID.value, location: location.value), id: id, occurredAt: occurredAt)
        case .arrived(let trackingID, let location):
            try IntegrationEvent(CargoArrived(trackingId: trackingID.value, location: location.value), id: id, occurredAt: occurredAt)
        case .claimed(let trackingID, let location):
            try IntegrationEvent(CargoClaimed(trackingId: trackingID.value, location: location.value), id: id, occurredAt: occurredAt)
        }
    }

    /// Written out case by case, so that a handling type added to the domain does not compile until the contract
    /// says how it is published.
    static func handlingType(_ type: HandlingEventType) -> CargoHandled.Handling {
        switch type {
        case .receive: .receive
        case .load: .load
        case .unload: .unload
        case .customs: .customs
        case .claim: .claim
        }
    }
}
