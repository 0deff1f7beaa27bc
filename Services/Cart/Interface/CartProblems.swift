import CartDomain
import HTTPTypes
import TradewindRuntime

public enum CartProblems {
    public static func map(_ error: any Error) -> Problem? {
        guard let error = error as? CartError else { return nil }
        switch error {
        case .quantityOutOfRange(let quantity):
            return .validation("quantity must be between 1 and \(Cart.maximumQuantity) per line (would be \(quantity))")
        case .tooManyLines:
            return .validation("a cart holds at most \(Cart.maximumLines) different products")
        case .notInCart(let sku):
            return .notFound("'\(sku.prefix(40))' is not in the cart")
        case .productNotForSale(let sku):
            return .validation("'\(sku.prefix(40))' is not for sale in that quantity")
        case .unknownProduct(let sku):
            return Problem("unknown-product", title: "Unknown product", status: .unprocessableContent, detail: "no product has the SKU '\(sku.prefix(40))'")
        case .currencyMismatch(let cart, let product):
            return .validation("the cart is in \(cart); a product priced in \(product) cannot join it")
        case .catalogUnavailable:
            return Problem("catalog-unavailable", title: "Service unavailable", status: .serviceUnavailable,
                           detail: "the product catalog cannot be reached; try again shortly", headers: [.retryAfter: "2"])
        case .cartNotFound:
            return .notFound("no such guest cart")
        case .identificationRequired:
            return .unauthorized("sign in, or send the X-Cart-Token of a guest cart")
        case .concurrentUpdate:
            return .conflict("the cart was changed at the same time; read it and try again")
        case .invalidSKU:
            return .validation("a SKU is 2 to 40 characters of A-Z, 0-9 and '-'")
        case .invalid(let reason):
            return .validation(reason)
        }
    }
}
