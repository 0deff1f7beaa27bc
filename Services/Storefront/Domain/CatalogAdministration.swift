import Foundation
import TradewindKernel

/// A product as administrators manage it: all the catalog keeps about it, listed or not, and the version a change
/// of it is based on.
public struct ManagedProduct: Sendable, Equatable {
    public let id: String
    public let sku: String
    public let name: String
    public let description: String
    public let price: Money
    public let categoryID: String
    public let attributes: [String: String]
    public let imageURLs: [String]
    public let active: Bool
    /// The catalog's ETag of this version: a change sent with it is refused if someone changed the product since.
    public let version: String

    public init(id: String, sku: String, name: String, description: String, price: Money, categoryID: String, attributes: [String: String],
                imageURLs: [String], active: Bool, version: String) {
        self.id = id
        self.sku = sku
        self.name = name
        self.description = description
        self.price = price
        self.categoryID = categoryID
        self.attributes = attributes
        self.imageURLs = imageURLs
        self.active = active
        self.version = version
    }
}

public struct StockLevel: Sendable, Equatable {
    public let onHand: Int
    /// Held for orders that are not through yet.
    public let reserved: Int
    public let available: Int

    public init(onHand: Int, reserved: Int, available: Int) {
        self.onHand = onHand
        self.reserved = reserved
        self.available = available
    }
}

/// What an administrator writes about a product, checked as the product context will check it.
public struct ProductDraft: Sendable, Equatable {
    public static let maximumImages = 10

    public let name: String
    public let description: String
    public let price: Money
    public let categoryID: String
    public let imageURLs: [String]

    public init(name: String, description: String, price: Money, categoryID: String, imageURLs: [String]) {
        self.name = name
        self.description = description
        self.price = price
        self.categoryID = categoryID
        self.imageURLs = imageURLs
    }

    /// The fields as typed: the price in the currency's units (`12.50`), the images one address per line; the
    /// problems by field.
    public static func checked(
        name: String, description: String, price: String, currency: String, categoryID: String, imageURLs: String
    ) -> Result<ProductDraft, FieldProblems> {
        var problems: [String: String] = [:]
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let description = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 { problems["name"] = "Enter the name (up to 200 characters)." }
        if description.count > 4000 { problems["description"] = "The description is at most 4000 characters." }
        let currency = Currency(currency.trimmingCharacters(in: .whitespaces).uppercased())
        if currency == nil { problems["currency"] = "Enter the currency as three letters, such as EUR." }
        let amount = currency.flatMap { Self.minorUnits(price, digits: $0.minorUnitDigits) }
        if let currency, amount == nil {
            problems["price"] = currency.minorUnitDigits == 0
                ? "Enter the price as a whole number of \(currency), such as 1200."
                : "Enter the price in \(currency) with at most \(currency.minorUnitDigits) decimals, such as 12.50."
        }
        if UUID(uuidString: categoryID) == nil { problems["categoryId"] = "Choose the category." }
        let images = imageURLs.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if images.count > maximumImages {
            problems["imageUrls"] = "At most \(maximumImages) images."
        } else if let bad = images.first(where: { !Self.isImageAddress($0) }) {
            problems["imageUrls"] = "'\(bad.prefix(60))' is not an http or https address."
        }
        guard problems.isEmpty, let currency, let amount else { return .failure(FieldProblems(byField: problems)) }
        return .success(ProductDraft(name: name, description: description, price: Money(minorUnits: amount, currency: currency),
                                     categoryID: categoryID.lowercased(), imageURLs: images))
    }

    /// `12.5` with 2 digits is 1250; a sign, more decimals than the currency has, or more than a trillion units are not prices.
    static func minorUnits(_ text: String, digits: Int) -> Int64? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, (1...12).contains(whole.count), whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        let padded = fraction + String(repeating: "0", count: max(0, digits - fraction.count))
        guard fraction.count <= digits, fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber), parts.count == 1 || !fraction.isEmpty,
              let units = Int64(whole), let cents = padded.isEmpty ? 0 : Int64(padded) else { return nil }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        return units * scale + cents
    }

    static func isImageAddress(_ text: String) -> Bool {
        guard text.utf8.count <= 2000, let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false else { return false }
        return scheme == "http" || scheme == "https"
    }

    public static let skuRule = "A SKU is 2 to 40 characters of A-Z, 0-9 and '-', not starting with '-'."

    /// The SKU as the product context keeps it (upper case), or `nil` when `text` is not one.
    public static func sku(_ text: String) -> String? {
        let sku = text.trimmingCharacters(in: .whitespaces).uppercased()
        let valid = (2...40).contains(sku.utf8.count) && sku.utf8.first != UInt8(ascii: "-")
            && sku.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        return valid ? sku : nil
    }

    /// The price as the form shows it again: `12.50`, `1200`.
    public static func priceField(_ price: Money) -> String {
        let text = price.description
        return String(text.prefix { $0 != " " })
    }
}

/// One page of the catalog as administrators see it: listed and unlisted products.
public struct ManagedProductPage: Sendable, Equatable {
    public let products: [ManagedProduct]
    public let nextCursor: String?

    public init(products: [ManagedProduct], nextCursor: String?) {
        self.products = products
        self.nextCursor = nextCursor
    }
}

/// The catalog's administration, as the product context publishes it; every call carries the administrator's token.
public protocol CatalogAdministration: Sendable {
    func products(words: String?, cursor: String?, accessToken: String) async throws -> ManagedProductPage
    /// `nil` when no product has this id.
    func product(id: String, accessToken: String) async throws -> ManagedProduct?
    /// `nil` when the product has no stock record.
    func stock(sku: String) async throws -> StockLevel?
    /// Refused with the field when the SKU exists or a field is not valid.
    func create(sku: String, _ draft: ProductDraft, accessToken: String) async throws -> ManagedProduct
    /// Replaces what the draft says and keeps the attributes; `version` is the one the change is based on
    /// (`StorefrontError.stale` when someone changed the product since).
    func update(id: String, _ draft: ProductDraft, active: Bool, attributes: [String: String], version: String, accessToken: String) async throws -> ManagedProduct
    func deactivate(id: String, version: String, accessToken: String) async throws -> ManagedProduct
    /// Refused when `onHand` is below what orders hold.
    func setStock(sku: String, onHand: Int, accessToken: String) async throws -> StockLevel
}
