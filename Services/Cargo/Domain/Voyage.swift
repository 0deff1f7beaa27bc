import Foundation

/// One scheduled movement of a voyage, from a departure to an arrival.
public struct CarrierMovement: Sendable, Hashable {
    public let departureLocation: UnLocode
    public let arrivalLocation: UnLocode
    public let departureTime: Date
    public let arrivalTime: Date

    public init(departureLocation: UnLocode, arrivalLocation: UnLocode, departureTime: Date, arrivalTime: Date) throws(CargoError) {
        guard departureLocation != arrivalLocation else { throw .invalid("a carrier movement must go somewhere else") }
        guard arrivalTime > departureTime else { throw .invalid("a carrier movement must arrive after it departs") }
        self.departureLocation = departureLocation
        self.arrivalLocation = arrivalLocation
        self.departureTime = departureTime
        self.arrivalTime = arrivalTime
    }
}

/// A voyage is a schedule: carrier movements, each starting where and after the previous one ended.
public struct Voyage: Sendable, Hashable {
    public let number: VoyageNumber
    public let movements: [CarrierMovement]

    public init(number: VoyageNumber, movements: [CarrierMovement]) throws(CargoError) {
        guard !movements.isEmpty else { throw .invalid("voyage \(number) has no carrier movements") }
        for (previous, next) in zip(movements, movements.dropFirst()) {
            guard previous.arrivalLocation == next.departureLocation, next.departureTime >= previous.arrivalTime else {
                throw .invalid("voyage \(number): each movement must start where and after the previous one ends")
            }
        }
        self.number = number
        self.movements = movements
    }
}
