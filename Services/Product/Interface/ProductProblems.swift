import HTTPTypes
import ProductDomain
import TradewindRuntime

/// The product service's errors as problems: what the client sent is wrong (422), conflicts with what exists
/// (409), is stale (412), or names nothing (404).
public enum ProductProblems {
    public static func map(_ error: any Error) -> Problem? {
        guard let error = error as? ProductError else { return nil }
        switch error {
        case .invalid(let field, let reason):
            return .validation("\(field) \(reason)")
        case .categoryNotFound:
            return .notFound("no such category")
        case .parentCategoryNotFound:
            return .validation("parentId names no category")
        case .categoryCycle:
            return .validation("a category cannot be placed below itself")
        case .slugTaken(let slug):
            return .conflict("the slug '\(slug)' is already used by another category")
        case .productNotFound:
            return .notFound("no such product")
        case .skuTaken(let sku):
            return .conflict("the SKU '\(sku)' already exists")
        case .inactiveProduct(let sku):
            return .validation("the product with SKU '\(sku)' is not for sale")
        case .unknownSKU(let sku):
            return Problem("unknown-sku", title: "Unknown SKU", status: .unprocessableContent, detail: "no product has the SKU '\(sku.prefix(40))'")
        case .staleVersion(let current):
            return Problem("precondition-failed", title: "Precondition failed", status: .preconditionFailed,
                           detail: "the resource has changed; its current version is \(current) (ETag \"\(current)\")",
                           headers: [.eTag: "\"\(current)\""])
        case .stockBelowReserved(let reserved):
            return .conflict("on hand cannot go below the \(reserved) units reserved for orders")
        case .insufficientStock(let skus):
            return Problem("insufficient-stock", title: "Insufficient stock", status: .conflict,
                           detail: "not enough stock for: \(skus.joined(separator: ", "))")
        case .reservationNotFound:
            return .notFound("no reservation for this order")
        case .reservationMismatch:
            return .conflict("this order already holds a reservation for other goods")
        case .reservationNotHeld(let status):
            return .conflict("the reservation is \(status.rawValue)")
        case .invalidCursor:
            return .badRequest("the cursor is not one this service issued")
        case .forbidden(let reason):
            return .forbidden(reason)
        }
    }
}
