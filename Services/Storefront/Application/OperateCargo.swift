import Foundation
import StorefrontDomain

/// The operations pages' use cases: administrators book and route cargo; port staff (and administrators) report
/// handling. Each checks the role before calling, so that a shopper gets a clear refusal, and the cargo context
/// checks it again.
public struct OperateCargo: Sendable {
    let operations: any CargoOperations
    let freight: any Freight

    public init(operations: any CargoOperations, freight: any Freight) {
        self.operations = operations
        self.freight = freight
    }

    public static func isAdministrator(_ session: ShopperSession) -> Bool { session.account?.roles.contains("admin") == true }

    public static func reportsHandling(_ session: ShopperSession) -> Bool {
        session.account.map { $0.roles.contains("admin") || $0.roles.contains("operator") } == true
    }

    public func cargos(_ session: ShopperSession) async throws -> [OperatedCargo] {
        try await operations.cargos(accessToken: try Self.administrator(session))
    }

    public func cargo(id: String, _ session: ShopperSession) async throws -> (cargo: OperatedCargo, candidates: [[Tracking.Leg]])? {
        let token = try Self.administrator(session)
        guard id.count == 8, id.allSatisfy(\.isHexDigit), let cargo = try await operations.cargo(id: id.uppercased(), accessToken: token) else { return nil }
        // A cargo without a route that fits (not routed, misrouted, or just rerouted) is offered routes to choose from.
        let candidates = cargo.needsRoute ? try await operations.candidateRoutes(id: cargo.trackingID, accessToken: token) : []
        return (cargo, candidates)
    }

    public func book(origin: String, destination: String, arrivalDeadline: Date, _ session: ShopperSession) async throws -> OperatedCargo {
        try await operations.book(origin: origin, destination: destination, arrivalDeadline: arrivalDeadline, accessToken: try Self.administrator(session))
    }

    public func assign(route: [Tracking.Leg], to id: String, _ session: ShopperSession) async throws -> OperatedCargo {
        try await operations.assign(route: route, to: id, accessToken: try Self.administrator(session))
    }

    public func changeDestination(of id: String, to destination: String, _ session: ShopperSession) async throws -> OperatedCargo {
        try await operations.changeDestination(of: id, to: destination, accessToken: try Self.administrator(session))
    }

    public func reroute(id: String, _ session: ShopperSession) async throws -> OperatedCargo {
        try await operations.reroute(id: id, accessToken: try Self.administrator(session))
    }

    public func report(_ event: HandlingReport, _ session: ShopperSession) async throws -> Tracking {
        try await operations.report(event, accessToken: try Self.porter(session))
    }

    public func reportBatch(csv: String, _ session: ShopperSession) async throws -> BatchOutcome {
        try await operations.reportBatch(csv: csv, accessToken: try Self.porter(session))
    }

    /// What the handling and booking forms offer: the ports and the voyages.
    public func choices() async throws -> (ports: [DestinationPort], voyages: [String]) {
        async let ports = freight.ports()
        async let voyages = operations.voyages()
        return (try await ports, try await voyages)
    }

    static func administrator(_ session: ShopperSession) throws -> String {
        guard let account = session.account else { throw StorefrontError.signedOut }
        guard account.roles.contains("admin") else { throw StorefrontError.forbidden("Only administrators book and route cargo.") }
        return account.tokens.accessToken
    }

    static func porter(_ session: ShopperSession) throws -> String {
        guard let account = session.account else { throw StorefrontError.signedOut }
        guard reportsHandling(session) else { throw StorefrontError.forbidden("Only port staff and administrators report handling.") }
        return account.tokens.accessToken
    }
}
