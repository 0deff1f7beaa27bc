import CartDomain
import CartInfrastructure
import Foundation
import Synchronization
import Testing
import TradewindKernel
import TradewindTesting

/// The catalog's answers kept for a short while: which calls reach the catalog, and when a change shows.
@Suite struct RecentCatalogAnswersTests {
    /// A catalog that records what it is asked for and answers with today's prices; `failing` makes it unavailable.
    final class Catalog: ProductCatalog {
        let asked = Mutex<[[String]]>([])
        let prices = Mutex<[String: Int64]>([:])
        let failing = Mutex(false)

        func entries(for skus: [String]) async throws -> [String: CatalogEntry] {
            asked.withLock { $0.append(skus) }
            if failing.withLock({ $0 }) { throw CartError.catalogUnavailable }
            let prices = prices.withLock { $0 }
            return Dictionary(uniqueKeysWithValues: skus.compactMap { sku in
                prices[sku].map { (sku, CatalogEntry(sku: sku, name: "Kettle \(sku)", price: Money(minorUnits: $0, currency: Currency("EUR")!),
                                                     active: true, available: 5)) }
            })
        }

        func price(_ sku: String, _ cents: Int64) { prices.withLock { $0[sku] = cents } }
        var calls: [[String]] { asked.withLock { $0 } }
    }

    let clock = TestClock()
    let catalog = Catalog()

    func cents(_ answer: [String: CatalogEntry]) -> [String: Int64] { answer.mapValues(\.price.minorUnits) }

    @Test func anAnswerIsUsedUntilItIsMaximumAgeOldThenTheNewPriceShows() async throws {
        catalog.price("KT-1", 3990)
        let answers = RecentCatalogAnswers(catalog, maximumAge: 1, clock: clock)

        #expect(cents(try await answers.entries(for: ["KT-1"])) == ["KT-1": 3990])
        catalog.price("KT-1", 4590)
        clock.advance(by: 0.999)
        let kept = try await answers.entries(for: ["KT-1"])
        clock.advance(by: 0.001)
        let askedAgain = try await answers.entries(for: ["KT-1"])

        #expect(cents(kept) == ["KT-1": 3990])
        #expect(cents(askedAgain) == ["KT-1": 4590])
        #expect(catalog.calls == [["KT-1"], ["KT-1"]])
    }

    @Test func onlyTheSKUsNotKeptAreAskedFor() async throws {
        catalog.price("KT-1", 3990)
        catalog.price("KT-2", 1250)
        let answers = RecentCatalogAnswers(catalog, maximumAge: 1, clock: clock)

        _ = try await answers.entries(for: ["KT-1"])
        clock.advance(by: 0.5)
        let both = try await answers.entries(for: ["KT-1", "KT-2"])

        #expect(cents(both) == ["KT-1": 3990, "KT-2": 1250])
        #expect(catalog.calls == [["KT-1"], ["KT-2"]])
    }

    @Test func aSKUTheCatalogLeftOutIsAskedForAgainAndFoundOnceItIsSold() async throws {
        let answers = RecentCatalogAnswers(catalog, maximumAge: 1, clock: clock)

        let before = try await answers.entries(for: ["KT-NEW"])
        catalog.price("KT-NEW", 990)
        let after = try await answers.entries(for: ["KT-NEW"])

        #expect(before.isEmpty)
        #expect(cents(after) == ["KT-NEW": 990])
        #expect(catalog.calls.count == 2)
    }

    /// A maximum age of zero asks every time; a clock set back makes the kept answer look asked in the future, and
    /// it is asked again rather than kept longer.
    @Test(arguments: [(maximumAge: 0.0, clockMoves: 0.0), (maximumAge: 1.0, clockMoves: -60.0)])
    func theCatalogIsAskedAgain(maximumAge: TimeInterval, clockMoves: TimeInterval) async throws {
        catalog.price("KT-1", 3990)
        let answers = RecentCatalogAnswers(catalog, maximumAge: maximumAge, clock: clock)

        _ = try await answers.entries(for: ["KT-1"])
        catalog.price("KT-1", 4590)
        clock.advance(by: clockMoves)
        let second = try await answers.entries(for: ["KT-1"])

        #expect(cents(second) == ["KT-1": 4590])
        #expect(catalog.calls.count == 2)
    }

    @Test func anUnavailableCatalogFailsTheLookUpAndKeepsNothing() async throws {
        catalog.price("KT-1", 3990)
        catalog.failing.withLock { $0 = true }
        let answers = RecentCatalogAnswers(catalog, maximumAge: 1, clock: clock)

        await #expect(throws: CartError.catalogUnavailable) { try await answers.entries(for: ["KT-1"]) }
        catalog.failing.withLock { $0 = false }
        let recovered = try await answers.entries(for: ["KT-1"])
        let kept = try await answers.entries(for: ["KT-1"])

        #expect(cents(recovered) == ["KT-1": 3990])
        #expect(cents(kept) == ["KT-1": 3990])
        #expect(catalog.calls.count == 2)
    }

    @Test func noMoreThanCapacityAnswersAreKept() async throws {
        for sku in ["KT-1", "KT-2", "KT-3"] { catalog.price(sku, 100) }
        let answers = RecentCatalogAnswers(catalog, maximumAge: 1, capacity: 2, clock: clock)

        _ = try await answers.entries(for: ["KT-1", "KT-2"])
        _ = try await answers.entries(for: ["KT-3"])
        let first = try await answers.entries(for: ["KT-1"])
        let third = try await answers.entries(for: ["KT-3"])

        #expect(cents(first) == ["KT-1": 100] && cents(third) == ["KT-3": 100])
        // KT-3 found no room beside two fresh answers: those were let go, KT-1 was asked for again, KT-3 was kept.
        #expect(catalog.calls.map { $0.sorted() } == [["KT-1", "KT-2"], ["KT-3"], ["KT-1"]])
    }
}
