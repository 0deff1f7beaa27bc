import Foundation
import StorefrontDomain

/// The catalog's administration pages' use cases: administrators add products, change them (each change based on
/// the version they saw), take them off the catalog or put them back, and set their stock. Each checks the role
/// before calling, so that anyone else gets a clear refusal; the product context checks it again.
public struct AdministerCatalog: Sendable {
    /// A product with its stock, as its page shows it.
    public struct Entry: Sendable, Equatable {
        public let product: ManagedProduct
        /// `nil` when the product has no stock record.
        public let stock: StockLevel?
    }

    let administration: any CatalogAdministration
    let catalog: any Catalog

    public init(administration: any CatalogAdministration, catalog: any Catalog) {
        self.administration = administration
        self.catalog = catalog
    }

    public static let refusal = "Only administrators manage products and stock."

    public static func isAdministrator(_ session: ShopperSession) -> Bool { session.account?.roles.contains("admin") == true }

    /// A page of products, listed or not, each with its stock (asked for all at once).
    public func products(words: String?, cursor: String?, _ session: ShopperSession) async throws -> (entries: [Entry], nextCursor: String?) {
        let page = try await administration.products(words: words, cursor: cursor, accessToken: try Self.administrator(session))
        let stocks = try await withThrowingTaskGroup(of: (String, StockLevel?).self) { group in
            for product in page.products { group.addTask { (product.sku, try await administration.stock(sku: product.sku)) } }
            var stocks: [String: StockLevel] = [:]
            for try await (sku, stock) in group { stocks[sku] = stock }
            return stocks
        }
        return (page.products.map { Entry(product: $0, stock: stocks[$0.sku]) }, page.nextCursor)
    }

    /// `nil` when no product has this id.
    public func product(id: String, _ session: ShopperSession) async throws -> Entry? {
        guard let product = try await administration.product(id: id, accessToken: try Self.administrator(session)) else { return nil }
        return Entry(product: product, stock: try await administration.stock(sku: product.sku))
    }

    /// The categories a product can be in, as a tree (roots first, each followed by its sub-categories).
    public func categories() async throws -> [CatalogView.CategoryEntry] { BrowseCatalog.tree(try await catalog.categories(), chosen: nil) }

    /// A new product, listed with no stock; the SKU is checked here as the product context checks it.
    public func create(sku: String, _ draft: ProductDraft, _ session: ShopperSession) async throws -> ManagedProduct {
        let token = try Self.administrator(session)
        guard let sku = ProductDraft.sku(sku) else { throw StorefrontError.refused(field: "sku", detail: ProductDraft.skuRule) }
        return try await administration.create(sku: sku, draft, accessToken: token)
    }

    /// Changes what the draft says and keeps the rest (attributes, listed or not) as the version the administrator saw.
    public func update(id: String, _ draft: ProductDraft, version: String, _ session: ShopperSession) async throws -> ManagedProduct {
        let token = try Self.administrator(session)
        guard let current = try await administration.product(id: id, accessToken: token) else {
            throw StorefrontError.refused(field: nil, detail: "No product has this id any more.")
        }
        // Sent with the version the administrator saw: if `current` is newer, the product context refuses it.
        return try await administration.update(id: id, draft, active: current.active, attributes: current.attributes, version: version, accessToken: token)
    }

    /// Takes the product off the catalog (`listed` false) or puts it back, based on the version the administrator saw.
    public func list(id: String, listed: Bool, version: String, _ session: ShopperSession) async throws -> ManagedProduct {
        let token = try Self.administrator(session)
        if !listed { return try await administration.deactivate(id: id, version: version, accessToken: token) }
        guard let current = try await administration.product(id: id, accessToken: token) else {
            throw StorefrontError.refused(field: nil, detail: "No product has this id any more.")
        }
        let draft = ProductDraft(name: current.name, description: current.description, price: current.price, categoryID: current.categoryID,
                                 imageURLs: current.imageURLs)
        return try await administration.update(id: id, draft, active: true, attributes: current.attributes, version: version, accessToken: token)
    }

    public func setStock(sku: String, onHand: Int, _ session: ShopperSession) async throws -> StockLevel {
        let token = try Self.administrator(session)
        guard (0...1_000_000).contains(onHand) else { throw StorefrontError.refused(field: "onHand", detail: "Stock on hand is 0 to 1,000,000 units.") }
        return try await administration.setStock(sku: sku, onHand: onHand, accessToken: token)
    }

    static func administrator(_ session: ShopperSession) throws -> String {
        guard let account = session.account else { throw StorefrontError.signedOut }
        guard account.roles.contains("admin") else { throw StorefrontError.forbidden(refusal) }
        return account.tokens.accessToken
    }
}
