import CartContracts
import Foundation
import OpenAPIRuntime
import StorefrontDomain
import TradewindKernel
import TradewindRuntime

/// Carts through the cart context's published client (`CartContracts.Client`): a guest's named by its cart token
/// in `X-Cart-Token` with no bearer token (any bearer token would make it the caller's own cart), a customer's by
/// their access token.
public struct CartServiceClient: Carts {
    let transport: ServiceClientTransport

    public init(client: ServiceClient, timeout: Duration = .seconds(5)) {
        transport = ServiceClientTransport(client, service: CartContract.service, timeout: timeout)
    }

    func client(for holder: CartHolder?) -> Client {
        let middlewares: [any ClientMiddleware] = switch holder {
        case .customer(let token)?: [ForwardedAuthorization(bearerToken: token)]
        default: []
        }
        return Client(serverURL: ServiceClientTransport.serverURL(for: CartContract.service), configuration: .tradewind,
                      transport: transport, middlewares: middlewares)
    }

    static func cartToken(_ holder: CartHolder) -> String? {
        if case .guest(let token) = holder { token } else { nil }
    }

    public func openGuestCart() async throws -> String {
        guard case .created(let created) = try await reach(Self.unavailable, { try await client(for: nil).createGuestCart() }) else { throw Self.unavailable }
        return try created.body.json.cartToken
    }

    public func cart(of holder: CartHolder) async throws -> ShopCart? {
        switch try await reach(Self.unavailable, { try await client(for: holder).getCart(headers: .init(xCartToken: Self.cartToken(holder))) }) {
        case .ok(let ok): return try Self.shopCart(ok.body.json)
        case .unauthorized: return nil
        default: throw Self.unavailable
        }
    }

    public func add(sku: String, quantity: Int, for holder: CartHolder) async throws -> ShopCart {
        let answer = try await reach(Self.unavailable) {
            try await client(for: holder).addItem(headers: .init(xCartToken: Self.cartToken(holder)), body: .json(.init(sku: sku, quantity: quantity)))
        }
        switch answer {
        case .ok(let ok): return try Self.shopCart(ok.body.json)
        case .badRequest(let problem), .unprocessableContent(let problem): throw Self.refused(problem, field: "quantity")
        case .unauthorized: throw StorefrontError.signedOut
        default: throw Self.unavailable
        }
    }

    public func change(sku: String, quantity: Int, for holder: CartHolder) async throws -> ShopCart {
        let answer = try await reach(Self.unavailable) {
            try await client(for: holder).changeQuantity(
                path: .init(sku: sku), headers: .init(xCartToken: Self.cartToken(holder)), body: .json(.init(quantity: quantity))
            )
        }
        switch answer {
        case .ok(let ok): return try Self.shopCart(ok.body.json)
        case .badRequest(let problem), .unprocessableContent(let problem), .notFound(let problem): throw Self.refused(problem, field: "quantity")
        case .unauthorized: throw StorefrontError.signedOut
        default: throw Self.unavailable
        }
    }

    public func remove(sku: String, for holder: CartHolder) async throws -> ShopCart {
        let answer = try await reach(Self.unavailable) {
            try await client(for: holder).removeItem(path: .init(sku: sku), headers: .init(xCartToken: Self.cartToken(holder)))
        }
        switch answer {
        case .ok(let ok): return try Self.shopCart(ok.body.json)
        case .notFound: return try await cart(of: holder) ?? .empty
        case .unauthorized: throw StorefrontError.signedOut
        default: throw Self.unavailable
        }
    }

    public func merge(guestCartToken: String, into accessToken: String) async throws {
        let answer = try await reach(Self.unavailable) {
            try await client(for: .customer(accessToken: accessToken)).mergeGuestCart(body: .json(.init(cartToken: guestCartToken)))
        }
        switch answer {
        case .ok, .notFound: return
        case .unprocessableContent(let problem), .badRequest(let problem): throw Self.refused(problem, field: nil)
        default: throw Self.unavailable
        }
    }

    static let unavailable = StorefrontError.unavailable("the cart is not answering")

    static func refused(_ problem: Components.Responses.Problem, field: String?) -> StorefrontError {
        guard case .applicationProblemJson(let body) = problem.body else { return .refused(field: field, detail: "The cart did not take this change.") }
        return .refused(field: field, detail: body.detail ?? body.title)
    }

    static func shopCart(_ cart: Components.Schemas.Cart) throws -> ShopCart {
        func money(_ value: Components.Schemas.Money) throws -> Money {
            guard let currency = Currency(value.currency) else { throw unavailable }
            return Money(minorUnits: value.amount, currency: currency)
        }
        return ShopCart(
            lines: try cart.lines.map {
                ShopCartLine(sku: $0.sku, name: $0.name, quantity: $0.quantity, unitPrice: try money($0.unitPriceNow),
                             lineTotal: try money($0.lineTotal), priceChanged: $0.priceChanged, available: $0.available)
            },
            total: try cart.total.map(money), itemCount: cart.itemCount
        )
    }

}
