import TradewindKernel

/// A node of the catalog's category tree.
public struct Category: Sendable, Equatable {
    public let id: CategoryID
    public private(set) var name: String
    public private(set) var slug: Slug
    public private(set) var parentID: CategoryID?
    public let version: Int

    public init(id: CategoryID, name: String, slug: Slug, parentID: CategoryID?, version: Int = 1) throws(ProductError) {
        self.id = id
        self.name = try Self.validName(name)
        self.slug = slug
        self.parentID = parentID
        self.version = version
        guard parentID != id else { throw .categoryCycle }
    }

    public func renamed(_ name: String, slug: Slug, parentID: CategoryID?) throws(ProductError) -> Category {
        try Category(id: id, name: name, slug: slug, parentID: parentID, version: version)
    }

    static func validName(_ name: String) throws(ProductError) -> String {
        let trimmed = name.trimmingWhitespace
        guard (1...100).contains(trimmed.count) else { throw .invalid(field: "name", reason: "must be 1 to 100 characters") }
        return trimmed
    }
}

extension [Category] {
    /// `root` and every category below it.
    public func subtree(of root: CategoryID) -> Set<CategoryID> {
        var found: Set<CategoryID> = [root]
        var grew = true
        while grew {
            grew = false
            for category in self where !found.contains(category.id) {
                if let parent = category.parentID, found.contains(parent) {
                    found.insert(category.id)
                    grew = true
                }
            }
        }
        return found
    }

    /// Whether making `parent` the parent of `child` would close a loop.
    public func wouldCycle(child: CategoryID, parent: CategoryID) -> Bool {
        subtree(of: child).contains(parent)
    }
}
