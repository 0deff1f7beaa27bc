import CartApplication
import CartContracts
import CartDomain
import Foundation
import OpenAPIRuntime
import TradewindKernel
import TradewindRuntime

/// The HTTP face of the cart service. Each operation finds the caller's cart (user by token, guest by
/// `X-Cart-Token`) and calls one use case.
public struct CartAPI: APIProtocol {
    public struct UseCases: Sendable {
        let open: OpenGuestCart
        let view: ViewCart
        let add: AddItem
        let changeQuantity: ChangeQuantity
        let remove: RemoveItem
        let clear: ClearCart
        let merge: MergeGuestCart
        let viewOfUsers: ViewCartsOfUsers
        let access: CartAccess

        public init(open: OpenGuestCart, view: ViewCart, add: AddItem, changeQuantity: ChangeQuantity, remove: RemoveItem, clear: ClearCart,
                    merge: MergeGuestCart, viewOfUsers: ViewCartsOfUsers, access: CartAccess) {
            self.open = open
            self.view = view
            self.add = add
            self.changeQuantity = changeQuantity
            self.remove = remove
            self.clear = clear
            self.merge = merge
            self.viewOfUsers = viewOfUsers
            self.access = access
        }
    }

    let useCases: UseCases

    public init(useCases: UseCases) { self.useCases = useCases }

    public func createGuestCart(_ input: Operations.CreateGuestCart.Input) async throws -> Operations.CreateGuestCart.Output {
        let (token, cart) = try await useCases.open.execute()
        return .created(.init(body: .json(.init(cartToken: token, cart: .init(cart)))))
    }

    public func getCart(_ input: Operations.GetCart.Input) async throws -> Operations.GetCart.Output {
        .ok(.init(body: .json(.init(try await useCases.view.execute(try owner(input.headers.xCartToken))))))
    }

    public func clearCart(_ input: Operations.ClearCart.Input) async throws -> Operations.ClearCart.Output {
        .ok(.init(body: .json(.init(try await useCases.clear.execute(try owner(input.headers.xCartToken))))))
    }

    public func addItem(_ input: Operations.AddItem.Input) async throws -> Operations.AddItem.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let cart = try await useCases.add.execute(try owner(input.headers.xCartToken), sku: body.sku, quantity: body.quantity)
        return .ok(.init(body: .json(.init(cart))))
    }

    public func changeQuantity(_ input: Operations.ChangeQuantity.Input) async throws -> Operations.ChangeQuantity.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let cart = try await useCases.changeQuantity.execute(try owner(input.headers.xCartToken), sku: input.path.sku, quantity: body.quantity)
        return .ok(.init(body: .json(.init(cart))))
    }

    public func removeItem(_ input: Operations.RemoveItem.Input) async throws -> Operations.RemoveItem.Output {
        .ok(.init(body: .json(.init(try await useCases.remove.execute(try owner(input.headers.xCartToken), sku: input.path.sku)))))
    }

    public func mergeGuestCart(_ input: Operations.MergeGuestCart.Input) async throws -> Operations.MergeGuestCart.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        guard let subject = Principal.current?.subject else { throw CartError.identificationRequired }
        return .ok(.init(body: .json(.init(try await useCases.merge.execute(user: subject, guestToken: body.cartToken)))))
    }

    public func getCartsOfUsers(_ input: Operations.GetCartsOfUsers.Input) async throws -> Operations.GetCartsOfUsers.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let views = try await useCases.viewOfUsers.execute(users: body.users)
        return .ok(.init(body: .json(.init(carts: zip(body.users, views).map { .init(user: $0, cart: .init($1)) }))))
    }

    private func owner(_ cartToken: String?) throws -> CartOwner {
        try useCases.access.owner(subject: Principal.current?.subject, cartToken: cartToken)
    }
}

extension Components.Schemas.Money {
    init(_ money: Money) { self.init(amount: money.minorUnits, currency: money.currency.code) }
}

extension Components.Schemas.Cart {
    init(_ view: CartView) {
        let owner: Components.Schemas.CartOwner = switch view.cart.owner {
        case .user: .user
        case .guest: .guest
        }
        self.init(
            id: view.cart.id.description, owner: owner,
            lines: view.lines.map { line in
                .init(sku: line.sku, name: line.name, quantity: line.quantity, unitPriceWhenAdded: .init(line.unitPriceWhenAdded),
                      unitPriceNow: .init(line.unitPriceNow), lineTotal: .init(line.lineTotal), priceChanged: line.priceChanged,
                      available: line.available, availableQuantity: line.availableQuantity)
            },
            total: view.total.map(Components.Schemas.Money.init), itemCount: view.itemCount, pricesAreStale: view.pricesAreStale,
            priceChanges: view.priceChanges, updatedAt: view.cart.updatedAt, expiresAt: view.expiresAt
        )
    }
}
