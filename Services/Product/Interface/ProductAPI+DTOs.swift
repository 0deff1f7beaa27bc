import ProductContracts
import ProductDomain
import TradewindKernel

extension Components.Schemas.Category {
    init(_ category: Category) {
        self.init(id: category.id.description, name: category.name, slug: category.slug.value, parentId: category.parentID?.description,
                  version: category.version)
    }
}

extension Components.Schemas.Money {
    init(_ money: Money) { self.init(amount: money.minorUnits, currency: money.currency.code) }
}

extension Components.Schemas.Product {
    init(_ product: Product) {
        let details = product.details
        self.init(
            id: product.id.description, sku: product.sku.value, name: details.name, description: details.description, price: .init(details.price),
            categoryId: details.categoryID.description, attributes: .init(additionalProperties: details.attributes), imageUrls: details.imageURLs,
            active: details.active, version: product.version, createdAt: product.createdAt, updatedAt: product.updatedAt
        )
    }
}

extension Components.Schemas.StockLevel {
    init(_ level: StockLevel) {
        self.init(sku: level.sku.value, onHand: level.onHand, reserved: level.reserved, available: level.available)
    }
}

extension Components.Schemas.Reservation {
    init(_ reservation: Reservation) {
        self.init(
            orderId: reservation.orderID.description, lines: reservation.lines.map { .init(sku: $0.sku.value, quantity: $0.quantity) },
            status: .init(rawValue: reservation.status.rawValue) ?? .held, expiresAt: reservation.expiresAt, createdAt: reservation.createdAt
        )
    }
}
