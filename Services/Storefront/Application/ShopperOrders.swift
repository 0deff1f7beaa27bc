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

    public func tracking(id: String) async throws -> Tracking? {
        guard id.count == 8, id.allSatisfy(\.isHexDigit) else { return nil }
        return try await freight.tracking(id: id)
    }

    static func token(_ session: ShopperSession) throws -> String {
        guard let token = session.account?.tokens.accessToken else { throw StorefrontError.signedOut }
        return token
    }
}
