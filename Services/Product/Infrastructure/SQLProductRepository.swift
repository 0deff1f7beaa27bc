import Foundation
import ProductDomain
import SQLKit
import TradewindKernel
import TradewindRuntime

/// Products in SQL, with their stock record created in the same transaction. Searches use keyset pagination on
/// `(sort key, id)`, so pages neither skip nor repeat rows while the catalog changes.
public struct SQLProductRepository: ProductRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func add(_ product: Product) async throws {
        let details = product.details
        let inserted = try await store.transaction { database in
            let rows = try await database.insert(into: "products")
                .columns("id", "sku", "name", "description", "price_amount", "price_currency", "category_id", "attributes",
                         "image_urls", "active", "version", "created_at", "updated_at")
                .values(
                    SQLBind(product.id.description), SQLBind(product.sku.value), SQLBind(details.name), SQLBind(details.description),
                    SQLBind(details.price.minorUnits), SQLBind(details.price.currency.code), SQLBind(details.categoryID.description),
                    SQLBind(try Self.json(details.attributes)), SQLBind(try Self.json(details.imageURLs)), SQLBind(details.active ? 1 : 0),
                    SQLBind(product.version), SQLBind(product.createdAt), SQLBind(product.updatedAt)
                )
                .ignoringConflicts(with: ["sku"])
                .returning("id")
                .all()
            guard !rows.isEmpty else { return false }
            try await database.insert(into: "stock").columns("sku", "on_hand", "reserved")
                .values(SQLBind(product.sku.value), SQLBind(0), SQLBind(0)).run()
            return true
        }
        if !inserted { throw ProductError.skuTaken(product.sku.value) }
    }

    public func save(_ product: Product) async throws -> Product {
        let details = product.details
        let updated = try await store.transaction { database in
            try await database.update("products")
                .set("name", to: details.name)
                .set("description", to: details.description)
                .set("price_amount", to: details.price.minorUnits)
                .set("price_currency", to: details.price.currency.code)
                .set("category_id", to: details.categoryID.description)
                .set("attributes", to: try Self.json(details.attributes))
                .set("image_urls", to: try Self.json(details.imageURLs))
                .set("active", to: details.active ? 1 : 0)
                .set("updated_at", to: product.updatedAt)
                .set("version", to: product.version + 1)
                .where("id", .equal, product.id.description)
                .where("version", .equal, product.version)
                .returning("id")
                .all()
        }
        guard updated.isEmpty else {
            return try Product(id: product.id, sku: product.sku, details: details, version: product.version + 1,
                               createdAt: product.createdAt, updatedAt: product.updatedAt)
        }
        guard let current = try await self.product(withID: product.id) else { throw ProductError.productNotFound }
        throw ProductError.staleVersion(current: current.version)
    }

    public func product(withID id: ProductID) async throws -> Product? {
        try await store.read { database in
            try await database.select().columns(Self.columns).from("products").where("id", .equal, id.description).first()
        }.map(Self.decode)
    }

    public func product(withSKU sku: SKU) async throws -> Product? {
        try await store.read { database in
            try await database.select().columns(Self.columns).from("products").where("sku", .equal, sku.value).first()
        }.map(Self.decode)
    }

    public func products(withSKUs skus: [SKU]) async throws -> [Product] {
        guard !skus.isEmpty else { return [] }
        return try await store.read { database in
            try await database.select().columns(Self.columns).from("products").where("sku", .in, skus.map(\.value)).all()
        }.map(Self.decode)
    }

    public func stockedProducts(withSKUs skus: [SKU]) async throws -> [(product: Product, stock: StockLevel)] {
        guard !skus.isEmpty else { return [] }
        return try await store.read { database in
            try await database.select()
                .columns(Self.columns.map { SQLColumn($0, table: "products") } + [SQLColumn("on_hand", table: "stock"), SQLColumn("reserved", table: "stock")])
                .from("products")
                .join("stock", on: SQLColumn("sku", table: "stock"), .equal, SQLColumn("sku", table: "products"))
                .where(SQLColumn("sku", table: "products"), .in, SQLBind.group(skus.map(\.value)))
                .all()
        }.map { row in
            let product = try Self.decode(row)
            return (product, StockLevel(sku: product.sku, onHand: try row.decode(column: "on_hand", as: Int.self),
                                        reserved: try row.decode(column: "reserved", as: Int.self)))
        }
    }

    public func count() async throws -> Int {
        try await store.read { database in
            try await database.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("products").first()
        }.map { try $0.decode(column: "n", as: Int.self) } ?? 0
    }

    public func search(_ query: ProductQuery) async throws -> Page<Product> {
        let after = try query.page.cursor.map { encoded in
            guard let cursor = KeysetCursor(encoded: encoded), let id = ProductID(cursor.lastID) else { throw ProductError.invalidCursor }
            return id.description
        }
        let (key, descending) = Self.order(query.sort)
        let limit = query.page.limit
        let rows = try await store.read { database in
            var select = database.select().columns(Self.columns).from("products")
            if !query.includeInactive { select = select.where("active", .equal, 1) }
            if let text = query.text {
                let pattern = "%" + Self.escapeLike(text.lowercased()) + "%"
                select = select.where(SQLQueryString(
                    "(LOWER(name) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(description) LIKE \(bind: pattern) ESCAPE '\\')"
                ))
            }
            if let categories = query.categories {
                select = select.where("category_id", .in, categories.map(\.description).sorted())
            }
            if let low = query.minimumPrice { select = select.where("price_amount", .greaterThanOrEqual, low) }
            if let high = query.maximumPrice { select = select.where("price_amount", .lessThanOrEqual, high) }
            if let currency = query.currency { select = select.where("price_currency", .equal, currency.code) }
            if let after {
                let comparison = descending ? "<" : ">"
                select = select.where(SQLQueryString(
                    "(\(unsafeRaw: key), id) \(unsafeRaw: comparison) (SELECT \(unsafeRaw: key), id FROM products WHERE id = \(bind: after))"
                ))
            }
            let direction: SQLDirection = descending ? .descending : .ascending
            return try await select.orderBy(key, direction).orderBy("id", direction).limit(limit + 1).all()
        }
        let products = try rows.prefix(limit).map(Self.decode)
        let next = rows.count > limit ? products.last.map { KeysetCursor(lastID: $0.id.description).encoded } : nil
        return Page(items: products, nextCursor: next)
    }

    static func order(_ sort: ProductSort) -> (column: String, descending: Bool) {
        switch sort {
        case .name: ("name", false)
        case .price: ("price_amount", false)
        case .priceDescending: ("price_amount", true)
        case .newest: ("created_at", true)
        }
    }

    /// `%`, `_` and the escape character itself match literally.
    static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    static let columns = ["id", "sku", "name", "description", "price_amount", "price_currency", "category_id", "attributes",
                          "image_urls", "active", "version", "created_at", "updated_at"]

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode(_ row: any SQLRow) throws -> Product {
        guard let id = ProductID(try row.decode(column: "id", as: String.self)),
              let category = CategoryID(try row.decode(column: "category_id", as: String.self)),
              let currency = Currency(try row.decode(column: "price_currency", as: String.self))
        else { throw StoredDataError("products row with a malformed id, category or currency") }
        let decoder = JSONDecoder()
        let details = Product.Details(
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            price: Money(minorUnits: try row.decode(column: "price_amount", as: Int64.self), currency: currency),
            categoryID: category,
            attributes: try decoder.decode([String: String].self, from: Data(try row.decode(column: "attributes", as: String.self).utf8)),
            imageURLs: try decoder.decode([String].self, from: Data(try row.decode(column: "image_urls", as: String.self).utf8)),
            active: try row.decode(column: "active", as: Int.self) != 0
        )
        return try Product(
            id: id, sku: try SKU(row.decode(column: "sku", as: String.self)), details: details,
            version: try row.decode(column: "version", as: Int.self),
            createdAt: try row.decode(column: "created_at", as: Date.self), updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
