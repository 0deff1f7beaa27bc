import Foundation
import StorefrontDomain

/// Checkout, the customer's orders, and tracking their freight. The use cases that act for a customer take the
/// session with a fresh access token (``ShopperAccount/current(_:)``); without an account they fail with
/// `StorefrontError.signedOut`.
public struct ShopperOrders: Sendable {
    let orders: any Orders
    let freight: any Freight

    public init(orders: any Orders, freight: any Freight) {
        self.orders = orders
        self.freight = freight
    }

    public func ports() async throws -> [DestinationPort] {
        try await freight.ports()
    }

    /// Places the order; `key` comes from the checkout form as it was shown, so sending that form twice places one
    /// order.
    public func checkout(shippingTo address: ShippingAddress, key: String, session: ShopperSession) async throws -> ShopOrder {
        try await orders.place(shippingTo: address, key: key, accessToken: try Self.token(session))
    }

    public func list(after cursor: String?, session: ShopperSession) async throws -> (orders: [ShopOrder], nextCursor: String?) {
        try await orders.orders(accessToken: try Self.token(session), after: cursor)
    }

    public func order(id: String, session: ShopperSession) async throws -> ShopOrder? {
        guard UUID(uuidString: id) != nil else { return nil }
        return try await orders.order(id: id, accessToken: try Self.token(session))
    }

    /// The shipment and the names of the ports it goes through (by UN/LOCODE; a code without a name is shown as
    /// it is).
    public func tracking(id: String) async throws -> (tracking: Tracking, portNames: [String: String])? {
        guard id.count == 8, id.allSatisfy(\.isHexDigit) else { return nil }
        async let ports = freight.ports()
        guard let tracking = try await freight.tracking(id: id) else { return nil }
        let names = ((try? await ports) ?? []).reduce(into: [String: String]()) { $0[$1.code] = $1.name }
        return (tracking, names)
    }

    static func token(_ session: ShopperSession) throws -> String {
        guard let token = session.account?.tokens.accessToken else { throw StorefrontError.signedOut }
        return token
    }
}
