import Foundation
import Logging
import ProductApplication
import ProductDomain
import ProductInfrastructure
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// The use cases over the SQL repositories on an in-memory SQLite database.
@Suite struct CatalogUseCaseTests {
    let clock = TestClock()
    let ids = SequentialIdentifiers()
    let euro = Currency("EUR")!
    let admin = Caller(subject: "admin-1", roles: ["admin"])

    struct Fixture {
        let categories: SQLCategoryRepository
        let products: SQLProductRepository
        let inventory: SQLInventoryRepository
    }

    func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        let store = try await SQLiteStore.open(path: nil, logger: Logger(label: "test"))
        try await ProductSchema.migrator.migrate(store, logger: Logger(label: "test"))
        try await body(Fixture(categories: SQLCategoryRepository(store: store), products: SQLProductRepository(store: store),
                               inventory: SQLInventoryRepository(store: store)))
        try await store.close()
    }

    @Test func categoriesCannotBeMovedUnderThemselvesAndUpdatesNeedTheCurrentVersion() async throws {
        try await withFixture { fixture in
            let create = CreateCategory(categories: fixture.categories, ids: ids)
            let update = UpdateCategory(categories: fixture.categories)
            let home = try await create.execute(name: "Home", slug: "home", parentID: nil)
            let kitchen = try await create.execute(name: "Kitchen", slug: "kitchen", parentID: home.id)
            await #expect(throws: ProductError.parentCategoryNotFound) {
                try await create.execute(name: "Orphan", slug: "orphan", parentID: CategoryID(rawValue: UUID()))
            }
            await #expect(throws: ProductError.categoryCycle) {
                try await update.execute(id: home.id, expectedVersion: 1, name: "Home", slug: "home", parentID: kitchen.id)
            }
            let renamed = try await update.execute(id: kitchen.id, expectedVersion: 1, name: "Cooking", slug: "cooking", parentID: home.id)
            #expect(renamed.version == 2)
            await #expect(throws: ProductError.staleVersion(current: 2)) {
                try await update.execute(id: kitchen.id, expectedVersion: 1, name: "Kitchen", slug: "kitchen", parentID: nil)
            }
            await #expect(throws: ProductError.slugTaken("home")) {
                try await update.execute(id: kitchen.id, expectedVersion: 2, name: "Kitchen", slug: "home", parentID: nil)
            }
        }
    }

    @Test func browsingIncludesSubCategoriesAndHidesInactiveProductsFromCustomers() async throws {
        try await withFixture { fixture in
            let categories = CreateCategory(categories: fixture.categories, ids: ids)
            let electronics = try await categories.execute(name: "Electronics", slug: "electronics", parentID: nil)
            let audio = try await categories.execute(name: "Audio", slug: "audio", parentID: electronics.id)
            let create = CreateProduct(products: fixture.products, categories: fixture.categories, clock: clock, ids: ids)
            let update = UpdateProduct(products: fixture.products, categories: fixture.categories, clock: clock)
            let browse = BrowseProducts(products: fixture.products, categories: fixture.categories)
            let speaker = try await create.execute(sku: try SKU("AUD-1"), details: .init(name: "Speaker", price: Money(minorUnits: 9900, currency: euro), categoryID: audio.id))
            _ = try await create.execute(sku: try SKU("EL-1"), details: .init(name: "Cable", price: Money(minorUnits: 990, currency: euro), categoryID: electronics.id))
            await #expect(throws: ProductError.categoryNotFound) {
                try await create.execute(sku: try SKU("X-1"), details: .init(name: "Nowhere", price: Money(minorUnits: 1, currency: euro), categoryID: CategoryID(rawValue: UUID())))
            }

            #expect(try await browse.search(.init(categorySlug: "electronics"), caller: .anonymous).items.count == 2)
            #expect(try await browse.search(.init(categorySlug: "audio"), caller: .anonymous).items.map(\.sku.value) == ["AUD-1"])
            #expect(try await browse.search(.init(categorySlug: "gone"), caller: .anonymous).items.isEmpty)

            let hidden = try await DeactivateProduct(products: fixture.products, clock: clock).execute(id: speaker.id, expectedVersion: 1)
            #expect(hidden.version == 2 && !hidden.details.active)
            await #expect(throws: ProductError.productNotFound) { try await browse.product(speaker.id, caller: .anonymous) }
            #expect(try await browse.product(sku: try SKU("AUD-1"), caller: admin).id == speaker.id)
            await #expect(throws: ProductError.forbidden("only administrators see inactive products")) {
                try await browse.search(.init(includeInactive: true), caller: .anonymous)
            }
            #expect(try await browse.search(.init(includeInactive: true), caller: admin).items.count == 2)
            await #expect(throws: ProductError.self) { try await browse.search(.init(currency: "euro"), caller: .anonymous) }
            await #expect(throws: ProductError.self) { try await browse.search(.init(minimumPrice: 10, maximumPrice: 5), caller: .anonymous) }
            await #expect(throws: ProductError.staleVersion(current: 2)) {
                try await update.execute(id: speaker.id, expectedVersion: 1, details: speaker.details)
            }
        }
    }

    @Test func reservingIsIdempotentPerOrderAndRefusesUnknownOrInactiveGoods() async throws {
        try await withFixture { fixture in
            let category = try await CreateCategory(categories: fixture.categories, ids: ids).execute(name: "Books", slug: "books", parentID: nil)
            let create = CreateProduct(products: fixture.products, categories: fixture.categories, clock: clock, ids: ids)
            let book = try await create.execute(sku: try SKU("BOK-1"), details: .init(name: "DDD", price: Money(minorUnits: 5490, currency: euro), categoryID: category.id))
            _ = try await create.execute(sku: try SKU("BOK-2"), details: .init(name: "Old", price: Money(minorUnits: 100, currency: euro), categoryID: category.id, active: false))
            let setStock = SetStock(inventory: fixture.inventory), stock = GetStock(inventory: fixture.inventory)
            _ = try await setStock.execute(onHand: 4, of: try SKU("BOK-1"))
            _ = try await create.execute(sku: try SKU("BOK-3"), details: .init(name: "IDDD", price: Money(minorUnits: 4990, currency: euro), categoryID: category.id))
            _ = try await setStock.execute(onHand: 5, of: try SKU("BOK-3"))
            await #expect(throws: ProductError.unknownSKU("NOPE-1")) { try await setStock.execute(onHand: 1, of: try SKU("NOPE-1")) }
            await #expect(throws: ProductError.self) { try await setStock.execute(onHand: -1, of: try SKU("BOK-1")) }

            let reserve = ReserveStock(inventory: fixture.inventory, products: fixture.products, clock: clock)
            let order = OrderReference(rawValue: UUID())
            let first = try await reserve.execute(order: order, lines: [.init(sku: try SKU("BOK-1"), quantity: 3)], lifetime: 120)
            guard case .created(let reservation) = first else { Issue.record("expected a new reservation"); return }
            #expect(try await reserve.execute(order: order, lines: [.init(sku: try SKU("BOK-1"), quantity: 3)], lifetime: 120) == .existing(reservation))
            await #expect(throws: ProductError.reservationMismatch) { try await reserve.execute(order: order, lines: [.init(sku: try SKU("BOK-1"), quantity: 1)], lifetime: 120) }
            await #expect(throws: ProductError.unknownSKU("NOPE-1")) {
                try await reserve.execute(order: OrderReference(rawValue: UUID()), lines: [.init(sku: try SKU("NOPE-1"), quantity: 1)], lifetime: nil)
            }
            await #expect(throws: ProductError.inactiveProduct("BOK-2")) {
                try await reserve.execute(order: OrderReference(rawValue: UUID()), lines: [.init(sku: try SKU("BOK-2"), quantity: 1)], lifetime: nil)
            }
            await #expect(throws: ProductError.self) {
                try await reserve.execute(order: OrderReference(rawValue: UUID()), lines: [.init(sku: try SKU("BOK-1"), quantity: 1)], lifetime: 5)
            }
            #expect(try await stock.execute(of: try SKU("BOK-1")).available == 1)
            // A repeat answers with the reservation made, even once the product is no longer sold.
            let hidden = try await DeactivateProduct(products: fixture.products, clock: clock).execute(id: book.id, expectedVersion: 1)
            #expect(try await reserve.execute(order: order, lines: [.init(sku: try SKU("BOK-1"), quantity: 3)], lifetime: 120) == .existing(reservation))
            await #expect(throws: ProductError.reservationMismatch) { try await reserve.execute(order: order, lines: [.init(sku: try SKU("BOK-1"), quantity: 2)], lifetime: 120) }
            await #expect(throws: ProductError.inactiveProduct("BOK-1")) {
                try await reserve.execute(order: OrderReference(rawValue: UUID()), lines: [.init(sku: try SKU("BOK-1"), quantity: 1)], lifetime: nil)
            }
            _ = hidden

            // Past its expiry a reservation cannot be committed, and its stock comes back.
            clock.advance(by: 121)
            await #expect(throws: ProductError.reservationNotHeld(.expired)) { try await CommitReservation(inventory: fixture.inventory, clock: clock).execute(order) }
            #expect(try await stock.execute(of: try SKU("BOK-1")).available == 4)
            #expect(try await GetReservation(inventory: fixture.inventory).execute(for: order).status == .expired)
            await #expect(throws: ProductError.reservationNotHeld(.expired)) { try await CommitReservation(inventory: fixture.inventory, clock: clock).execute(order) }
            #expect(try await stock.execute(of: try SKU("BOK-1")).available == 4, "an expired reservation gives its stock back once")

            // In time, a commit takes the goods off the shelf, and a repeated commit changes nothing more.
            let shipped = OrderReference(rawValue: UUID())
            _ = try await reserve.execute(order: shipped, lines: [.init(sku: try SKU("BOK-3"), quantity: 2)], lifetime: 120)
            let commit = CommitReservation(inventory: fixture.inventory, clock: clock)
            #expect(try await commit.execute(shipped).status == .committed)
            #expect(try await commit.execute(shipped).status == .committed)
            let level = try await stock.execute(of: try SKU("BOK-3"))
            #expect(level.onHand == 3 && level.available == 3)
        }
    }

    @Test func theSampleCatalogSeedsOnce() async throws {
        try await withFixture { fixture in
            let seeder = SampleCatalog(categories: fixture.categories, products: fixture.products, inventory: fixture.inventory, clock: clock, ids: ids)
            let created = try await seeder.seed()
            #expect(created >= 24)
            #expect(try await seeder.seed() == 0)
            #expect(try await fixture.products.count() == created)
            #expect(try await fixture.inventory.stock(of: try SKU("AUD-HP-100"))?.onHand == 40)
        }
    }
}
