import Foundation

/// A cargo as the operations pages show it.
public struct OperatedCargo: Sendable, Equatable {
    public let trackingID: String
    public let origin: String
    /// Where the rest of the journey starts: the origin, or the port a rerouted cargo waits in.
    public let routeOrigin: String
    public let destination: String
    public let arrivalDeadline: Date
    /// NOT_ROUTED, ROUTED or MISROUTED.
    public let routingStatus: String
    /// NOT_RECEIVED, IN_PORT, ONBOARD_CARRIER, CLAIMED or UNKNOWN.
    public let transportStatus: String
    public let misdirected: Bool
    public let lastKnownLocation: String?
    public let estimatedArrival: Date?
    public let route: [Tracking.Leg]

    public init(trackingID: String, origin: String, routeOrigin: String? = nil, destination: String, arrivalDeadline: Date, routingStatus: String,
                transportStatus: String, misdirected: Bool, lastKnownLocation: String?, estimatedArrival: Date?, route: [Tracking.Leg]) {
        self.trackingID = trackingID
        self.origin = origin
        self.routeOrigin = routeOrigin ?? origin
        self.destination = destination
        self.arrivalDeadline = arrivalDeadline
        self.routingStatus = routingStatus
        self.transportStatus = transportStatus
        self.misdirected = misdirected
        self.lastKnownLocation = lastKnownLocation
        self.estimatedArrival = estimatedArrival
        self.route = route
    }

    /// Misdirected cargo waits in a port to be rerouted (once: then its journey starts there); the cargo context
    /// refuses it anywhere else.
    public var canBeRerouted: Bool { misdirected && transportStatus == "IN_PORT" && lastKnownLocation != routeOrigin }

    /// A cargo whose route does not fit is offered routes, unless it must be rerouted first.
    public var needsRoute: Bool { routingStatus != "ROUTED" && !canBeRerouted }
}

public enum HandlingType: String, Sendable, CaseIterable {
    case receive = "RECEIVE", load = "LOAD", unload = "UNLOAD", claim = "CLAIM", customs = "CUSTOMS"

    /// Only loading and unloading happen on a voyage.
    public var needsVoyage: Bool { self == .load || self == .unload }
}

/// A handling event as port staff report it.
public struct HandlingReport: Sendable, Equatable {
    public let trackingID: String
    public let type: HandlingType
    public let location: String
    public let voyage: String?
    public let completedAt: Date

    public init(trackingID: String, type: HandlingType, location: String, voyage: String?, completedAt: Date) {
        self.trackingID = trackingID
        self.type = type
        self.location = location
        self.voyage = voyage
        self.completedAt = completedAt
    }
}

/// What the cargo context said about a batch of handling events: all taken, or the lines it refused and why
/// (then none was taken).
public enum BatchOutcome: Sendable, Equatable {
    case accepted(Int)
    case refused(detail: String, lines: [(line: Int, reason: String)])

    public static func == (a: BatchOutcome, b: BatchOutcome) -> Bool {
        switch (a, b) {
        case (.accepted(let x), .accepted(let y)): x == y
        case (.refused(let d1, let l1), .refused(let d2, let l2)): d1 == d2 && l1.map(\.line) == l2.map(\.line) && l1.map(\.reason) == l2.map(\.reason)
        default: false
        }
    }
}

/// The cargo context's operations, for administrators (booking, routing) and port staff (handling), on their
/// behalf with their own access token.
public protocol CargoOperations: Sendable {
    func cargos(accessToken: String) async throws -> [OperatedCargo]
    func cargo(id: String, accessToken: String) async throws -> OperatedCargo?
    func book(origin: String, destination: String, arrivalDeadline: Date, accessToken: String) async throws -> OperatedCargo
    /// Routes that satisfy the cargo's route specification now, best first.
    func candidateRoutes(id: String, accessToken: String) async throws -> [[Tracking.Leg]]
    func assign(route: [Tracking.Leg], to id: String, accessToken: String) async throws -> OperatedCargo
    func changeDestination(of id: String, to destination: String, accessToken: String) async throws -> OperatedCargo
    /// Starts the route again from the port a misdirected cargo is in.
    func reroute(id: String, accessToken: String) async throws -> OperatedCargo
    func report(_ event: HandlingReport, accessToken: String) async throws -> Tracking
    func reportBatch(csv: String, accessToken: String) async throws -> BatchOutcome
    /// The voyages' numbers, for the handling form.
    func voyages() async throws -> [String]
}
