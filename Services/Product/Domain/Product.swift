import Foundation
import TradewindKernel

/// A sellable item of the catalog. The SKU never changes; everything else does, each change bumping the
/// version that `ETag`/`If-Match` compare.
public struct Product: Sendable, Equatable {
    /// What an administrator can set.
    public struct Details: Sendable, Equatable {
        public var name: String
        public var description: String
        public var price: Money
        public var categoryID: CategoryID
        public var attributes: [String: String]
        public var imageURLs: [String]
        public var active: Bool

        public init(name: String, description: String = "", price: Money, categoryID: CategoryID, attributes: [String: String] = [:],
                    imageURLs: [String] = [], active: Bool = true) {
            self.name = name
            self.description = description
            self.price = price
            self.categoryID = categoryID
            self.attributes = attributes
            self.imageURLs = imageURLs
            self.active = active
        }

        func validated() throws(ProductError) -> Details {
            var details = self
            details.name = name.trimmingWhitespace
            guard (1...200).contains(details.name.count) else { throw .invalid(field: "name", reason: "must be 1 to 200 characters") }
            guard description.count <= 4000 else { throw .invalid(field: "description", reason: "must be at most 4000 characters") }
            guard price.minorUnits >= 0 else { throw .invalid(field: "price.amount", reason: "must not be negative") }
            guard attributes.count <= 50 else { throw .invalid(field: "attributes", reason: "at most 50 attributes") }
            for (key, value) in attributes {
                guard (1...50).contains(key.count), value.count <= 200 else {
                    throw .invalid(field: "attributes", reason: "names must be 1 to 50 characters and values at most 200")
                }
            }
            guard imageURLs.count <= 10 else { throw .invalid(field: "imageUrls", reason: "at most 10 images") }
            for url in imageURLs {
                guard url.count <= 2000, let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                      parsed.host?.isEmpty == false
                else { throw .invalid(field: "imageUrls", reason: "each must be an http(s) URL of at most 2000 characters") }
            }
            return details
        }
    }

    public let id: ProductID
    public let sku: SKU
    public private(set) var details: Details
    public let version: Int
    public let createdAt: Date
    public private(set) var updatedAt: Date

    public init(id: ProductID, sku: SKU, details: Details, version: Int = 1, createdAt: Date, updatedAt: Date) throws(ProductError) {
        self.id = id
        self.sku = sku
        self.details = try details.validated()
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The product with new details; the repository stores it as `version + 1` if nobody changed it meanwhile.
    public func updated(_ details: Details, at now: Date) throws(ProductError) -> Product {
        try Product(id: id, sku: sku, details: details, version: version, createdAt: createdAt, updatedAt: now)
    }

    public func deactivated(at now: Date) throws(ProductError) -> Product {
        var details = details
        details.active = false
        return try updated(details, at: now)
    }
}
