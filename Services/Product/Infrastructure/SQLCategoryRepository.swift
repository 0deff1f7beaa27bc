import Foundation
import ProductDomain
import SQLKit
import TradewindKernel
import TradewindRuntime

public struct SQLCategoryRepository: CategoryRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func add(_ category: Category) async throws {
        let inserted = try await store.transaction { database in
            try await database.insert(into: "categories")
                .columns("id", "name", "slug", "parent_id", "version")
                .values(SQLBind(category.id.description), SQLBind(category.name), SQLBind(category.slug.value),
                        SQLBind(category.parentID?.description), SQLBind(category.version))
                .ignoringConflicts(with: ["slug"])
                .returning("id")
                .all()
        }
        if inserted.isEmpty { throw ProductError.slugTaken(category.slug.value) }
    }

    public func save(_ category: Category) async throws -> Category {
        // A slug taken by another category is detected first, so the update cannot fail on the UNIQUE constraint.
        if let holder = try await self.category(withSlug: category.slug), holder.id != category.id {
            throw ProductError.slugTaken(category.slug.value)
        }
        let updated = try await store.transaction { database in
            try await database.update("categories")
                .set("name", to: category.name)
                .set("slug", to: category.slug.value)
                .set("parent_id", to: category.parentID?.description)
                .set("version", to: category.version + 1)
                .where("id", .equal, category.id.description)
                .where("version", .equal, category.version)
                .returning("version")
                .all()
        }
        guard updated.isEmpty else { return try Category(id: category.id, name: category.name, slug: category.slug, parentID: category.parentID, version: category.version + 1) }
        guard let current = try await self.category(withID: category.id) else { throw ProductError.categoryNotFound }
        throw ProductError.staleVersion(current: current.version)
    }

    public func category(withID id: CategoryID) async throws -> Category? {
        try await store.read { database in
            try await database.select().columns(Self.columns).from("categories").where("id", .equal, id.description).first()
        }.map(Self.decode)
    }

    public func category(withSlug slug: Slug) async throws -> Category? {
        try await store.read { database in
            try await database.select().columns(Self.columns).from("categories").where("slug", .equal, slug.value).first()
        }.map(Self.decode)
    }

    public func all() async throws -> [Category] {
        try await store.read { database in
            try await database.select().columns(Self.columns).from("categories").orderBy("id").all()
        }.map(Self.decode)
    }

    static let columns = ["id", "name", "slug", "parent_id", "version"]

    static func decode(_ row: any SQLRow) throws -> Category {
        guard let id = CategoryID(try row.decode(column: "id", as: String.self)) else { throw StoredDataError("categories row with a malformed id") }
        let parent = try row.decodeNil(column: "parent_id") ? nil : CategoryID(try row.decode(column: "parent_id", as: String.self))
        return try Category(
            id: id, name: try row.decode(column: "name", as: String.self), slug: try Slug(row.decode(column: "slug", as: String.self)),
            parentID: parent, version: try row.decode(column: "version", as: Int.self)
        )
    }
}

/// A stored row that the code cannot read back: a bug or a manual edit, never user input.
struct StoredDataError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
