import CartDomain
import Foundation
import Metrics
import Synchronization
import TradewindKernel

/// The catalog's answers, kept by this replica for up to `maximumAge`: under load many carts show the same
/// products, and asking the product service for every cart shown cost an HTTP request and a query per order placed.
///
/// An answer is used until it is `maximumAge` old, counted from when it was asked for, so a new price, name or stock
/// level shows in every cart within that time. Only SKUs the catalog sells are kept (one it left out is asked for
/// again next time, so a product created a moment later is found), at most `capacity` of them. A `maximumAge` of zero
/// asks the catalog every time.
public final class RecentCatalogAnswers: ProductCatalog {
    private struct Kept {
        let entry: CatalogEntry
        let askedAt: Date
    }

    private let catalog: any ProductCatalog
    private let maximumAge: TimeInterval
    private let capacity: Int
    private let clock: any WallClock
    private let kept = Mutex<[String: Kept]>([:])

    public init(_ catalog: any ProductCatalog, maximumAge: TimeInterval, capacity: Int = 10_000, clock: any WallClock = SystemWallClock()) {
        precondition(maximumAge >= 0 && capacity >= 1, "a negative age or no room")
        self.catalog = catalog
        self.maximumAge = maximumAge
        self.capacity = capacity
        self.clock = clock
    }

    public func entries(for skus: [String]) async throws -> [String: CatalogEntry] {
        guard maximumAge > 0 else { return try await catalog.entries(for: skus) }
        let askedAt = clock.now()
        var found: [String: CatalogEntry] = [:]
        var missing: [String] = []
        kept.withLock { kept in
            for sku in skus {
                if let answer = kept[sku], isFresh(answer, at: askedAt) { found[sku] = answer.entry } else { missing.append(sku) }
            }
        }
        Counter(label: "cart_catalog_entries_total", dimensions: [("from", "kept")]).increment(by: found.count)
        guard !missing.isEmpty else { return found }
        Counter(label: "cart_catalog_entries_total", dimensions: [("from", "catalog")]).increment(by: missing.count)
        let answered = try await catalog.entries(for: missing)
        kept.withLock { kept in
            if kept.count + answered.count > capacity { kept = kept.filter { isFresh($0.value, at: askedAt) } }
            if kept.count + answered.count > capacity { kept.removeAll(keepingCapacity: true) }
            for (sku, entry) in answered where (kept[sku]?.askedAt ?? .distantPast) <= askedAt {
                kept[sku] = Kept(entry: entry, askedAt: askedAt)
            }
        }
        return found.merging(answered) { _, asked in asked }
    }

    /// A clock set back makes an answer look asked in the future: it is asked again rather than kept longer.
    private func isFresh(_ answer: Kept, at now: Date) -> Bool {
        let age = now.timeIntervalSince(answer.askedAt)
        return age >= 0 && age < maximumAge
    }
}
