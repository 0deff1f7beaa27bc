import StorefrontDomain
import Testing

@Suite struct CatalogQueryTests {
    @Test func emptyFieldsMeanNoFilter() throws {
        let query = try CatalogQuery(words: "  ", category: "", sort: .newest, cursor: "")
        #expect(query.words == nil && query.category == nil && query.cursor == nil && query.sort == .newest)
    }

    @Test(arguments: [
        (String(repeating: "w", count: 101) as String?, nil as String?, nil as String?),
        (nil as String?, "Audio Gear" as String?, nil as String?),
        (nil as String?, "<script>" as String?, nil as String?),
        (nil as String?, nil as String?, String(repeating: "c", count: 513) as String?),
    ])
    func whatTheCatalogCouldNotAnswerIsRefusedFirst(_ words: String?, _ category: String?, _ cursor: String?) {
        #expect(throws: StorefrontError.self) { try CatalogQuery(words: words, category: category, cursor: cursor) }
    }
}
