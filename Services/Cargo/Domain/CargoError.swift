/// What can go wrong in the cargo context, in its own words.
public enum CargoError: Error, Equatable, Sendable {
    case invalid(String)
    case unknownCargo(String)
    case unknownLocation(String)
    case unknownVoyage(String)
    case voyageRequired(HandlingEventType)
    case voyageNotAllowed(HandlingEventType)
    case itineraryDoesNotFit(String)
    case notReroutable(String)
    /// No itinerary over the network meets the route specification.
    case noRoute(destination: String)
    case concurrentUpdate
}
