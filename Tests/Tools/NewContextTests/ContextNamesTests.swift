import Testing
@testable import tradewind

@Suite struct ContextNamesTests {
    @Test func everySpellingComesFromTheOneName() throws {
        let names = try ContextNames("ShippingLabel")
        #expect(names.lowerName == "shippingLabel")
        #expect(names.pluralName == "ShippingLabels")
        #expect(names.lowerPluralName == "shippingLabels")
        #expect(names.stackName == "shipping-label")
        #expect(names.serviceName == "shipping-label-service")
        #expect(names.pathSegment == "shipping-labels")
        #expect(names.tableName == "shipping_labels")
        #expect(names.databaseName == "shipping_label_service")
        #expect(names.environmentPrefix == "SHIPPING_LABEL")
    }

    /// A run of capitals is one word, so an acronym keeps its capitals in type names and is one word elsewhere.
    @Test func anAcronymIsOneWord() throws {
        let key = try ContextNames("APIKey")
        #expect(key.lowerName == "apiKey" && key.pluralName == "APIKeys" && key.lowerPluralName == "apiKeys")
        #expect(key.serviceName == "api-key-service" && key.tableName == "api_keys" && key.environmentPrefix == "API_KEY")
        let gateway = try ContextNames("PaymentAPI")
        #expect(gateway.lowerName == "paymentAPI" && gateway.pluralName == "PaymentAPIs" && gateway.lowerPluralName == "paymentAPIs")
        #expect(gateway.stackName == "payment-api" && gateway.pathSegment == "payment-apis" && gateway.databaseName == "payment_api_service")
        #expect(ContextNames.lowerCamelCase("OrderPlaced") == "orderPlaced")
    }

    @Test(arguments: [("Payment", "payments"), ("Address", "addresses"), ("Policy", "policies"), ("Day", "days"), ("Box", "boxes"),
                      ("Batch", "batches"), ("Invoice2", "invoice2s")])
    func pluralsOfTheLastWord(_ name: String, _ path: String) throws {
        #expect(try ContextNames(name).pathSegment == path)
    }

    @Test(arguments: ["payment", "Pay_ment", "Pay-ment", "P", "PAYMENT", "2Payment", "Zahlungsmöglichkeit", "", String(repeating: "Ab", count: 16)])
    func aNameThatIsNotUpperCamelCaseIsRefused(_ name: String) {
        #expect(throws: ContextGenerationError.self) { try ContextNames(name) }
    }

    @Test(arguments: ["Protocol", "Struct", "Self", "Any"])
    func aSwiftKeywordIsRefused(_ name: String) throws {
        let error = try #require(throws: ContextGenerationError.self) { try ContextNames(name) }
        #expect(error.description.contains("Swift keyword"))
    }

    @Test(arguments: ["Gateway", "Registry", "Runtime", "Kernel", "Tradewind"])
    func aNameTheRepositoryUsesIsRefused(_ name: String) throws {
        let error = try #require(throws: ContextGenerationError.self) { try ContextNames(name) }
        #expect(error.description.contains("Tradewind uses"))
    }
}
