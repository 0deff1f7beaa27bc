import ProductDomain

/// Renames or moves a category, if the caller saw its current version; a move may not put it under itself.
public struct UpdateCategory: Sendable {
    let categories: any CategoryRepository

    public init(categories: any CategoryRepository) { self.categories = categories }

    public func execute(id: CategoryID, expectedVersion: Int, name: String, slug: String, parentID: CategoryID?) async throws -> Category {
        guard let current = try await categories.category(withID: id) else { throw ProductError.categoryNotFound }
        guard current.version == expectedVersion else { throw ProductError.staleVersion(current: current.version) }
        let changed = try current.renamed(name, slug: try Slug(slug), parentID: parentID)
        if let parentID {
            let all = try await categories.all()
            guard all.contains(where: { $0.id == parentID }) else { throw ProductError.parentCategoryNotFound }
            if all.wouldCycle(child: id, parent: parentID) { throw ProductError.categoryCycle }
        }
        return try await categories.save(changed)
    }
}
