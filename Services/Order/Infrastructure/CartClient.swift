import CartContracts
import Foundation
import OrderApplication
import OrderDomain
import TradewindKernel
import TradewindRuntime

/// The customer's cart through the cart context's published API (`CartContracts.Client`), read on the customer's
/// behalf with their own bearer token. Anything but the cart itself means the cart is unavailable.
public struct CartClient: CartContents {
    let client: ServiceClient

    public init(client: ServiceClient) { self.client = client }

    public func lines(forCustomerToken token: String) async throws -> [CartLineSnapshot] {
        let cart = Client(serverURL: ServiceClientTransport.serverURL(for: CartContract.service), configuration: .tradewind,
                          transport: ServiceClientTransport(client, service: CartContract.service),
                          middlewares: [ForwardedAuthorization(bearerToken: token)])
        let answer: Components.Schemas.Cart
        do {
            guard case .ok(let ok) = try await cart.getCart() else { throw OrderError.cartUnavailable }
            answer = try ok.body.json
        } catch {
            throw OrderError.cartUnavailable
        }
        return try answer.lines.map { line in
            guard let currency = Currency(line.unitPriceNow.currency) else { throw OrderError.cartUnavailable }
            return CartLineSnapshot(sku: line.sku, name: line.name, unitPrice: Money(minorUnits: line.unitPriceNow.amount, currency: currency),
                                    quantity: line.quantity, available: line.available)
        }
    }
}
