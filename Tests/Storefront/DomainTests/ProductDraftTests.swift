import StorefrontDomain
import Testing
import TradewindKernel

@Suite struct ProductDraftTests {
    func checked(price: String, currency: String = "EUR", name: String = "Mug", images: String = "") -> Result<ProductDraft, FieldProblems> {
        ProductDraft.checked(name: name, description: "", price: price, currency: currency, categoryID: "5d1c0e3a-0000-4000-8000-00000000a0d1",
                             imageURLs: images)
    }

    @Test(arguments: [("12.5", "EUR", 1250), ("12.50", "EUR", 1250), ("12", "EUR", 1200), (" 0.07 ", "EUR", 7), ("1200", "JPY", 1200),
                      ("1.234", "KWD", 1234)])
    func pricesAreReadInTheCurrencysUnits(_ text: String, _ code: String, _ minorUnits: Int64) throws {
        let draft = try checked(price: text, currency: code).get()
        #expect(draft.price == Money(minorUnits: minorUnits, currency: Currency(code)!))
        #expect(ProductDraft.priceField(draft.price) == Money(minorUnits: minorUnits, currency: Currency(code)!).description.split(separator: " ")[0])
    }

    @Test(arguments: [("12.505", "EUR"), ("-1", "EUR"), ("1,50", "EUR"), ("12.", "EUR"), (".5", "EUR"), ("12.5", "JPY"), ("", "EUR"),
                      ("9999999999999", "EUR"), ("١٢", "EUR")])
    func whatIsNotAPriceIsRefusedNextToThePrice(_ text: String, _ code: String) {
        guard case .failure(let problems) = checked(price: text, currency: code) else { Issue.record("\(text) \(code) was taken"); return }
        #expect(Set(problems.byField.keys) == ["price"])
    }

    @Test func everyProblemIsNamedByItsField() {
        let result = ProductDraft.checked(name: "  ", description: String(repeating: "x", count: 4001), price: "1", currency: "euro",
                                          categoryID: "audio", imageURLs: "https://ok.example/a.png\njavascript:alert(1)")
        guard case .failure(let problems) = result else { Issue.record("taken"); return }
        #expect(Set(problems.byField.keys) == ["name", "description", "currency", "categoryId", "imageUrls"])
        #expect(problems.byField["imageUrls"]?.contains("javascript:alert(1)") == true)
    }

    @Test func skusAreUpperCasedAndCheckedAsTheCatalogChecksThem() {
        #expect(ProductDraft.sku(" mug-1 ") == "MUG-1")
        #expect(ProductDraft.sku("-MUG") == nil && ProductDraft.sku("M") == nil && ProductDraft.sku("MUG 1") == nil && ProductDraft.sku("MÜG") == nil)
        #expect(ProductDraft.sku(String(repeating: "A", count: 41)) == nil)
    }
}
