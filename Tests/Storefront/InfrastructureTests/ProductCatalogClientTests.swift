import Foundation
import ProductContracts
import StorefrontDomain
@testable import StorefrontInfrastructure
import Testing
import TradewindKernel

@Suite struct ProductCatalogClientTests {
    func listed(active: Bool = true, currency: String = "EUR") -> Components.Schemas.Product {
        Components.Schemas.Product(
            id: "7b3c8a52-0000-4000-8000-000000000001", sku: "AUD-1", name: "Headphones", description: "Quiet",
            price: .init(amount: 12900, currency: currency), categoryId: "c-head", attributes: .init(additionalProperties: [:]),
            imageUrls: ["https://img.example/1.png"], active: active, version: 1, createdAt: Date(), updatedAt: Date()
        )
    }

    @Test func aListedProductBecomesAShopProduct() throws {
        let product = try #require(ProductCatalogClient.shopProduct(listed()))
        #expect(product.price.description.contains("129"))
        #expect(product.imageURLs == ["https://img.example/1.png"])
    }

    @Test func inactiveProductsAndUnknownCurrenciesAreNotShown() {
        #expect(ProductCatalogClient.shopProduct(listed(active: false)) == nil)
        #expect(ProductCatalogClient.shopProduct(listed(currency: "??")) == nil)
    }
}
