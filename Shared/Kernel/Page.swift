/// A request for one page of a list ordered by a stable key: at most `limit` items after `cursor`.
public struct PageRequest: Sendable, Equatable {
    public static let maximumLimit = 100
    public let limit: Int
    public let cursor: String?

    /// `limit` is clamped to 1...``maximumLimit``.
    public init(limit: Int = 20, cursor: String? = nil) {
        self.limit = min(max(limit, 1), Self.maximumLimit)
        self.cursor = cursor
    }
}

/// One page of results and the opaque cursor of the next page, `nil` on the last one.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    public func map<T: Sendable>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), nextCursor: nextCursor)
    }
}
