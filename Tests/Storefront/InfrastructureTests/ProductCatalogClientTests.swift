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

@Suite struct ProductAdministrationClientTests {
    func problem(_ detail: String) -> Components.Responses.Problem {
        .init(body: .applicationProblemJson(.init(_type: "about:blank", title: "Unprocessable", status: 422, detail: detail)))
    }

    @Test func aRefusalIsShownNextToTheFieldItsDetailNames() {
        #expect(ProductAdministrationClient.refused(problem("price.amount must not be negative"))
            == .refused(field: "price", detail: "Price.amount must not be negative"))
        #expect(ProductAdministrationClient.refused(problem("categoryId names no category")) == .refused(field: "categoryId", detail: "CategoryId names no category"))
        #expect(ProductAdministrationClient.refused(problem("the product is not for sale")) == .refused(field: nil, detail: "The product is not for sale"))
        #expect(ProductAdministrationClient.refused(problem("on hand cannot go below the 2 units reserved"), field: "onHand")
            == .refused(field: "onHand", detail: "On hand cannot go below the 2 units reserved"))
    }

    @Test func theVersionIsTheAnswersETagOrTheProductsOwn() throws {
        let listed = ProductCatalogClientTests().listed(active: false)
        #expect(try #require(ProductAdministrationClient.product(listed, eTag: nil)).version == "\"1\"")
        let fetched = try #require(ProductAdministrationClient.product(listed, eTag: "\"7\""))
        #expect(fetched.version == "\"7\"" && !fetched.active)
    }
}
