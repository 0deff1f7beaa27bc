import ProductDomain
import TradewindKernel

public struct CreateCategory: Sendable {
    let categories: any CategoryRepository
    let ids: any IdentifierGenerator

    public init(categories: any CategoryRepository, ids: any IdentifierGenerator) {
        self.categories = categories
        self.ids = ids
    }

    public func execute(name: String, slug: String, parentID: CategoryID?) async throws -> Category {
        if let parentID, try await categories.category(withID: parentID) == nil { throw ProductError.parentCategoryNotFound }
        let category = try Category(id: CategoryID(rawValue: ids.makeUUID()), name: name, slug: try Slug(slug), parentID: parentID)
        try await categories.add(category)
        return category
    }
}
