import CartApplication
import CartDomain
import CartInfrastructure
import Foundation
import Logging
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// A catalog whose prices, stock and reachability the test controls.
final class FakeCatalog: ProductCatalog {
    let entries = Mutex<[String: CatalogEntry]>([:])
    let down = Mutex(false)

    func set(_ sku: String, cents: Int64, active: Bool = true, available: Int? = 100) {
        entries.withLock { $0[sku] = CatalogEntry(sku: sku, name: "Product \(sku)", price: Money(minorUnits: cents, currency: Currency("EUR")!), active: active, available: available) }
    }

    func entries(for skus: [String]) async throws -> [String: CatalogEntry] {
        if down.withLock({ $0 }) { throw CartError.catalogUnavailable }
        let known = entries.withLock { $0 }
        return known.filter { skus.contains($0.key) }
    }
}

@Suite struct CartUseCaseTests {
    let clock = TestClock()
    let catalog = FakeCatalog()

    func withAccess(_ body: (CartAccess) async throws -> Void) async throws {
        try await withAccessAndCarts { access, _ in try await body(access) }
    }

    func withAccessAndCarts(_ body: (CartAccess, any CartRepository) async throws -> Void) async throws {
        let store = try await SQLiteStore.open(path: nil, logger: Logger(label: "test"))
        try await CartSchema.migrator.migrate(store, logger: Logger(label: "test"))
        let carts = SQLCartRepository(store: store)
        try await body(CartAccess(carts: carts, catalog: catalog, tokens: RandomCartTokens(), clock: clock, ids: SequentialIdentifiers(), lifetime: 3600), carts)
        try await store.close()
    }

    @Test func pricesChangeInTheViewAndTheCatalogBeingDownOnlyStopsAdding() async throws {
        catalog.set("A-1", cents: 1000)
        try await withAccess { access in
            let add = AddItem(access: access), view = ViewCart(access: access)
            _ = try await add.execute(.user("u1"), sku: "A-1", quantity: 2)
            catalog.set("A-1", cents: 1100)
            let changed = try await view.execute(.user("u1"))
            #expect(changed.lines[0].priceChanged)
            #expect(changed.total?.minorUnits == 2200)
            #expect(!changed.pricesAreStale)

            catalog.down.withLock { $0 = true }
            let stale = try await view.execute(.user("u1"))
            #expect(stale.pricesAreStale)
            #expect(stale.total?.minorUnits == 2200, "the last known price is shown")
            await #expect(throws: CartError.catalogUnavailable) { try await add.execute(.user("u1"), sku: "A-1", quantity: 1) }
        }
    }

    @Test func viewingACartStoresWhatTheCatalogSaidOnlyWhenItChangesWhatTheCartWouldShow() async throws {
        catalog.set("A-1", cents: 1000, available: 100)
        try await withAccessAndCarts { access, carts in
            let add = AddItem(access: access), view = ViewCart(access: access)
            _ = try await add.execute(.user("u1"), sku: "A-1", quantity: 2)
            let stored = try #require(try await carts.cart(of: .user("u1")))

            catalog.set("A-1", cents: 1000, available: 40)
            let fresh = try await view.execute(.user("u1"))
            #expect(fresh.lines[0].availableQuantity == 40, "the view shows the catalog's count")
            #expect(try await carts.cart(of: .user("u1"))?.version == stored.version, "a new count alone is not written")

            catalog.set("A-1", cents: 1000, available: 1)
            #expect(try await view.execute(.user("u1")).lines[0].available == false)
            #expect(try await carts.cart(of: .user("u1"))?.version == stored.version + 1, "too few for the line is written")

            catalog.down.withLock { $0 = true }
            let stale = try await view.execute(.user("u1"))
            #expect(stale.pricesAreStale)
            #expect(stale.lines[0].available == false, "without the catalog, the cart still knows there were too few")
        }
    }

    @Test func unknownInactiveAndOutOfStockProductsAreRefused() async throws {
        catalog.set("OLD-1", cents: 100, active: false)
        catalog.set("FEW-1", cents: 100, available: 2)
        try await withAccess { access in
            let add = AddItem(access: access)
            await #expect(throws: CartError.unknownProduct("NOPE-1")) { try await add.execute(.user("u1"), sku: "NOPE-1", quantity: 1) }
            await #expect(throws: CartError.productNotForSale("OLD-1")) { try await add.execute(.user("u1"), sku: "OLD-1", quantity: 1) }
            _ = try await add.execute(.user("u1"), sku: "FEW-1", quantity: 2)
            await #expect(throws: CartError.productNotForSale("FEW-1")) { try await add.execute(.user("u1"), sku: "FEW-1", quantity: 1) }
            #expect(try await ViewCart(access: access).execute(.user("u1")).itemCount == 2)
        }
    }

    @Test func aGuestCartMergesIntoTheUsersAtSignInAndIsGoneAfterwards() async throws {
        catalog.set("A-1", cents: 1000)
        catalog.set("B-1", cents: 500)
        try await withAccess { access in
            let (token, _) = try await OpenGuestCart(access: access).execute()
            let guest = try access.owner(subject: nil, cartToken: token)
            _ = try await AddItem(access: access).execute(guest, sku: "A-1", quantity: 1)
            _ = try await AddItem(access: access).execute(guest, sku: "B-1", quantity: 3)
            _ = try await AddItem(access: access).execute(.user("u1"), sku: "A-1", quantity: 2)
            let merged = try await MergeGuestCart(access: access).execute(user: "u1", guestToken: token)
            #expect(merged.lines.map(\.quantity) == [3, 3])
            await #expect(throws: CartError.cartNotFound) { try await MergeGuestCart(access: access).execute(user: "u1", guestToken: token) }
            #expect(try await ViewCart(access: access).execute(guest).lines.isEmpty)
            #expect(throws: CartError.identificationRequired) { try access.owner(subject: nil, cartToken: nil) }
        }
    }

    @Test func inactiveCartsExpire() async throws {
        catalog.set("A-1", cents: 1000)
        try await withAccess { access in
            _ = try await AddItem(access: access).execute(.user("u1"), sku: "A-1", quantity: 1)
            clock.advance(by: 3599)
            #expect(try await ExpireCarts(access: access).execute() == 0)
            #expect(try await ViewCart(access: access).execute(.user("u1")).itemCount == 1)
            clock.advance(by: 2)
            #expect(try await ViewCart(access: access).execute(.user("u1")).itemCount == 0, "an expired cart reads as empty")
            _ = try await AddItem(access: access).execute(.user("u2"), sku: "A-1", quantity: 1)
            clock.advance(by: 3601)
            #expect(try await ExpireCarts(access: access).execute() == 1)
        }
    }
}
