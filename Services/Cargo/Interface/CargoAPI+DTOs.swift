import CargoApplication
import CargoContracts
import CargoDomain
import Foundation

extension Components.Schemas.Itinerary {
    init(_ itinerary: Itinerary) {
        self.init(legs: itinerary.legs.map { leg in
            .init(voyage: leg.voyage.value, loadLocation: leg.loadLocation.value, unloadLocation: leg.unloadLocation.value,
                  loadTime: leg.loadTime, unloadTime: leg.unloadTime)
        })
    }
}

extension Components.Schemas.HandlingActivity {
    init(_ activity: HandlingActivity) {
        self.init(_type: .init(rawValue: activity.type.rawValue) ?? .customs, location: activity.location.value, voyage: activity.voyage?.value)
    }
}

extension Components.Schemas.Cargo {
    init(_ cargo: Cargo) {
        let delivery = cargo.delivery, spec = cargo.routeSpecification
        self.init(
            trackingId: cargo.trackingID.value, origin: cargo.origin.value,
            routeSpecification: .init(origin: spec.origin.value, destination: spec.destination.value, arrivalDeadline: spec.arrivalDeadline),
            itinerary: cargo.itinerary.map(Components.Schemas.Itinerary.init),
            delivery: .init(
                transportStatus: .init(rawValue: delivery.transportStatus.rawValue) ?? .unknown,
                routingStatus: .init(rawValue: delivery.routingStatus.rawValue) ?? .notRouted,
                misdirected: delivery.isMisdirected, lastKnownLocation: delivery.lastKnownLocation?.value,
                currentVoyage: delivery.currentVoyage?.value, estimatedTimeOfArrival: delivery.estimatedTimeOfArrival,
                nextExpectedActivity: delivery.nextExpectedActivity.map(Components.Schemas.HandlingActivity.init),
                unloadedAtDestination: delivery.isUnloadedAtDestination, calculatedAt: delivery.calculatedAt
            )
        )
    }
}

extension Components.Schemas.TrackingView {
    /// The public view: where the cargo is in words, where it goes, when, what comes next, and its events.
    init(_ view: TrackCargo.View) {
        let delivery = view.cargo.delivery
        let status: String = switch delivery.transportStatus {
        case .notReceived: "Not received"
        case .inPort: "In port \(delivery.lastKnownLocation.map(view.name) ?? "")"
        case .onboardCarrier: "Onboard voyage \(delivery.currentVoyage?.value ?? "")"
        case .claimed: "Claimed"
        case .unknown: "Unknown"
        }
        let next = delivery.nextExpectedActivity.map { activity -> String in
            let place = view.name(of: activity.location)
            return switch activity.type {
            case .load: "Next expected activity is to load cargo onto voyage \(activity.voyage?.value ?? "") in \(place)."
            case .unload: "Next expected activity is to unload cargo off voyage \(activity.voyage?.value ?? "") in \(place)."
            case .receive: "Next expected activity is to receive cargo in \(place)."
            case .claim: "Next expected activity is to claim cargo in \(place)."
            case .customs: "Next expected activity is customs in \(place)."
            }
        }
        self.init(
            trackingId: view.cargo.trackingID.value, statusText: status, destination: view.cargo.routeSpecification.destination.value,
            estimatedTimeOfArrival: delivery.estimatedTimeOfArrival, nextExpectedActivity: next, misdirected: delivery.isMisdirected,
            itinerary: view.cargo.itinerary.map(Components.Schemas.Itinerary.init),
            events: view.events.map { entry in
                let event = entry.event, place = view.name(of: event.location)
                let description: String = switch event.type {
                case .load: "Loaded onto voyage \(event.voyage?.value ?? "") in \(place)"
                case .unload: "Unloaded off voyage \(event.voyage?.value ?? "") in \(place)"
                case .receive: "Received in \(place)"
                case .claim: "Claimed in \(place)"
                case .customs: "Cleared customs in \(place)"
                }
                return .init(_type: .init(rawValue: event.type.rawValue) ?? .customs, location: event.location.value, voyage: event.voyage?.value,
                             completionTime: event.completionTime, expected: entry.expected, description: description)
            }
        )
    }
}
