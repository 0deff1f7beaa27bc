import Foundation
import TradewindKernel

/// A product as the shop window shows it.
public struct ShopProduct: Sendable, Equatable {
    public let id: String
    public let sku: String
    public let name: String
    public let description: String
    public let price: Money
    public let categoryID: String
    public let imageURLs: [String]

    public init(id: String, sku: String, name: String, description: String, price: Money, categoryID: String, imageURLs: [String]) {
        self.id = id
        self.sku = sku
        self.name = name
        self.description = description
        self.price = price
        self.categoryID = categoryID
        self.imageURLs = imageURLs
    }
}

public struct ShopCategory: Sendable, Equatable {
    public let id: String
    public let name: String
    public let slug: String
    public let parentID: String?

    public init(id: String, name: String, slug: String, parentID: String?) {
        self.id = id
        self.name = name
        self.slug = slug
        self.parentID = parentID
    }
}

/// How shoppers order the catalog.
public enum CatalogSort: String, Sendable, CaseIterable {
    case name
    case priceAscending = "price"
    case priceDescending = "-price"
    case newest
}

/// One request for a page of the catalog, as the shopper's address bar says it: checked before anything is asked.
public struct CatalogQuery: Sendable, Equatable {
    public static let pageSize = 12

    public let words: String?
    public let category: String?
    public let sort: CatalogSort
    public let cursor: String?

    public init(words: String?, category: String?, sort: CatalogSort = .name, cursor: String? = nil) throws(StorefrontError) {
        let words = words?.trimmingCharacters(in: .whitespaces)
        if let words, words.count > 100 { throw .invalidQuery("search words are at most 100 characters") }
        if let category, !Self.isSlug(category) { throw .invalidQuery("'\(category.prefix(40))' is not a category") }
        if let cursor, cursor.utf8.count > 512 { throw .invalidQuery("the page marker is not valid") }
        self.words = words?.isEmpty == true ? nil : words
        self.category = category?.isEmpty == true ? nil : category
        self.sort = sort
        self.cursor = cursor?.isEmpty == true ? nil : cursor
    }

    static func isSlug(_ text: String) -> Bool {
        text.isEmpty || ((1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
    }
}

public struct CatalogPage: Sendable, Equatable {
    public let products: [ShopProduct]
    /// Where the next page starts; `nil` on the last one.
    public let nextCursor: String?

    public init(products: [ShopProduct], nextCursor: String?) {
        self.products = products
        self.nextCursor = nextCursor
    }
}

/// The catalog, as the product context publishes it.
public protocol Catalog: Sendable {
    func categories() async throws -> [ShopCategory]
    func products(_ query: CatalogQuery) async throws -> CatalogPage
    /// `nil` when the catalog does not sell it.
    func product(id: String) async throws -> ShopProduct?
    /// Units that can be bought now; `nil` when the product has no stock record.
    func available(sku: String) async throws -> Int?
}

public enum StorefrontError: Error, Equatable, Sendable {
    case invalidQuery(String)
    /// Another context did not answer; the page says so and the shopper may try again.
    case unavailable(String)
    /// Another context refused what the shopper sent, and said why: shown next to `field` (a form's field name)
    /// when it names one, else above the form.
    case refused(field: String?, detail: String)
    /// The email and password do not match an account that may sign in.
    case signInRefused
    /// Too many attempts from this shopper; `retryAfterSeconds` when the context said.
    case throttled(retryAfterSeconds: Int?)
    /// The shopper's sign-in ended (the refresh token was revoked or expired); they sign in again.
    case signedOut
    /// The signed-in account may not do this; says who may.
    case forbidden(String)
    /// Someone changed the thing since the page that sent this change was shown.
    case stale
}
