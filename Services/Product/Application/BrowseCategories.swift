import ProductDomain
import TradewindKernel

public struct BrowseCategories: Sendable {
    let categories: any CategoryRepository

    public init(categories: any CategoryRepository) { self.categories = categories }

    public func all() async throws -> [Category] {
        try await categories.all().sorted { ($0.name, $0.id.description) < ($1.name, $1.id.description) }
    }

    public func category(_ id: CategoryID) async throws -> Category {
        guard let category = try await categories.category(withID: id) else { throw ProductError.categoryNotFound }
        return category
    }
}
