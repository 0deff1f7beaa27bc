import Foundation
import Logging
import ProductDomain
import ProductInfrastructure
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// The same cases on SQLite and on a real PostgreSQL.
@Suite struct ProductRepositoryTests {
    let logger = Logger(label: "test")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let euro = Currency("EUR")!

    struct Repositories {
        let categories: SQLCategoryRepository
        let products: SQLProductRepository
        let inventory: SQLInventoryRepository
    }

    func migrated(_ kind: TestDatabases.Kind, _ body: (Repositories) async throws -> Void) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await ProductSchema.migrator.migrate(store, logger: logger)
            try await body(Repositories(categories: SQLCategoryRepository(store: store), products: SQLProductRepository(store: store),
                                        inventory: SQLInventoryRepository(store: store)))
        }
    }

    func id<T: EntityIdentifier>(_ number: Int) -> T { T(rawValue: UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", number))!) }

    func product(_ number: Int, sku: String, name: String, cents: Int64, category: CategoryID, active: Bool = true, age: TimeInterval = 0) throws -> Product {
        try Product(id: id(100 + number), sku: try SKU(sku),
                    details: .init(name: name, description: "about \(name)", price: Money(minorUnits: cents, currency: euro), categoryID: category,
                                   attributes: ["n": "\(number)"], imageURLs: ["https://img.example/\(number).png"], active: active),
                    createdAt: now.addingTimeInterval(age), updatedAt: now.addingTimeInterval(age))
    }

    /// A reservation held for 15 minutes from `now`.
    func reservation(_ number: Int, _ lines: [(SKU, Int)]) throws -> Reservation {
        try Reservation(orderID: id(number), lines: try lines.map { try .init(sku: $0.0, quantity: $0.1) }, createdAt: now, expiresAt: now.addingTimeInterval(900))
    }

    func catalog(_ repositories: Repositories) async throws {
        try await repositories.categories.add(try Category(id: id(1), name: "Electronics", slug: try Slug("electronics"), parentID: nil))
        try await repositories.categories.add(try Category(id: id(2), name: "Audio", slug: try Slug("audio"), parentID: id(1)))
        try await repositories.categories.add(try Category(id: id(3), name: "Books", slug: try Slug("books"), parentID: nil))
        let items: [(String, String, Int64, Int, Bool)] = [
            ("AUD-1", "Headphones", 12_900, 2, true), ("AUD-2", "Earbuds 100% wireless", 7_990, 2, true), ("CMP-1", "Laptop", 109_900, 1, true),
            ("BOK-1", "Domain-Driven Design", 5_490, 3, true), ("BOK-2", "Old catalogue", 990, 3, false),
        ]
        for (index, item) in items.enumerated() {
            try await repositories.products.add(try product(index, sku: item.0, name: item.1, cents: item.2, category: id(item.3), active: item.4, age: Double(index)))
        }
    }

    @Test(arguments: TestDatabases.available)
    func productsRoundTripAndSKUsAreUnique(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            let stored = try #require(try await repositories.products.product(withSKU: try SKU("AUD-1")))
            #expect(stored == (try product(0, sku: "AUD-1", name: "Headphones", cents: 12_900, category: id(2))))
            await #expect(throws: ProductError.skuTaken("AUD-1")) {
                try await repositories.products.add(try product(9, sku: "AUD-1", name: "Copy", cents: 1, category: id(2)))
            }
            #expect(try await repositories.inventory.stock(of: try SKU("AUD-1")) == StockLevel(sku: try SKU("AUD-1"), onHand: 0, reserved: 0))
            #expect(try await repositories.products.count() == 5)
            await #expect(throws: ProductError.slugTaken("audio")) {
                try await repositories.categories.add(try Category(id: id(7), name: "Sound", slug: try Slug("audio"), parentID: nil))
            }
        }
    }

    @Test(arguments: TestDatabases.available)
    func severalProductsAndTheirStockAreReadAtOnce(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            _ = try await repositories.inventory.setOnHand(4, of: try SKU("BOK-1"))
            let skus = try ["BOK-1", "NONE-1", "AUD-2", "BOK-2"].map(SKU.init)
            let found = try await repositories.products.products(withSKUs: skus)
            #expect(Set(found.map(\.sku.value)) == ["BOK-1", "AUD-2", "BOK-2"], "inactive products too: visibility is the use case's")
            #expect(found.first { $0.sku.value == "AUD-2" } == (try product(1, sku: "AUD-2", name: "Earbuds 100% wireless", cents: 7_990, category: id(2), age: 1)))
            let stock = try await repositories.inventory.stock(of: skus)
            #expect(stock.count == 3)
            #expect(stock[try SKU("BOK-1")] == StockLevel(sku: try SKU("BOK-1"), onHand: 4, reserved: 0))
            let stocked = try await repositories.products.stockedProducts(withSKUs: skus)
            #expect(Set(stocked.map(\.product.sku.value)) == ["BOK-1", "AUD-2", "BOK-2"])
            #expect(stocked.first { $0.product.sku.value == "BOK-1" }?.stock == StockLevel(sku: try SKU("BOK-1"), onHand: 4, reserved: 0))
            #expect(stocked.first { $0.product.sku.value == "AUD-2" }?.product == found.first { $0.sku.value == "AUD-2" })
            #expect(try await repositories.products.products(withSKUs: []).isEmpty)
            #expect(try await repositories.products.stockedProducts(withSKUs: []).isEmpty)
            #expect(try await repositories.inventory.stock(of: []).isEmpty)
        }
    }

    @Test(arguments: TestDatabases.available)
    func savesUseTheVersionForOptimisticConcurrency(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            let original = try #require(try await repositories.products.product(withSKU: try SKU("CMP-1")))
            var details = original.details
            details.price = Money(minorUnits: 99_900, currency: euro)
            let saved = try await repositories.products.save(try original.updated(details, at: now))
            #expect(saved.version == 2)
            #expect(try await repositories.products.product(withID: original.id)?.details.price.minorUnits == 99_900)
            // A second writer still holding version 1 loses.
            await #expect(throws: ProductError.staleVersion(current: 2)) {
                try await repositories.products.save(try original.deactivated(at: now))
            }
        }
    }

    @Test(arguments: TestDatabases.available)
    func searchFiltersSortsAndPagesWithoutGapsOrRepeats(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            func names(_ query: ProductQuery) async throws -> [String] { try await repositories.products.search(query).items.map(\.details.name) }
            #expect(try await names(ProductQuery()) == ["Domain-Driven Design", "Earbuds 100% wireless", "Headphones", "Laptop"])
            #expect(try await names(ProductQuery(includeInactive: true)).count == 5)
            #expect(try await names(ProductQuery(text: "HEAD")) == ["Headphones"])
            #expect(try await names(ProductQuery(text: "design")) == ["Domain-Driven Design"])
            // LIKE wildcards in the search text match literally.
            #expect(try await names(ProductQuery(text: "100%")) == ["Earbuds 100% wireless"])
            #expect(try await names(ProductQuery(text: "_")) == [])
            #expect(try await names(ProductQuery(categories: [id(1), id(2)])) == ["Earbuds 100% wireless", "Headphones", "Laptop"])
            #expect(try await names(ProductQuery(minimumPrice: 5_000, maximumPrice: 10_000)) == ["Domain-Driven Design", "Earbuds 100% wireless"])
            #expect(try await names(ProductQuery(currency: Currency("USD")!)) == [])
            #expect(try await names(ProductQuery(sort: .price)) == ["Domain-Driven Design", "Earbuds 100% wireless", "Headphones", "Laptop"])
            #expect(try await names(ProductQuery(sort: .priceDescending)).first == "Laptop")
            #expect(try await names(ProductQuery(sort: .newest)).first == "Domain-Driven Design")

            for sort in ProductSort.allCases {
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let page = try await repositories.products.search(ProductQuery(sort: sort, page: PageRequest(limit: 1, cursor: cursor)))
                    seen += page.items.map(\.sku.value)
                    cursor = page.nextCursor
                } while cursor != nil && seen.count < 10
                #expect(seen.count == 4, "\(sort)")
                #expect(Set(seen).count == 4, "\(sort)")
                #expect(seen == (try await repositories.products.search(ProductQuery(sort: sort))).items.map(\.sku.value), "\(sort)")
            }
            await #expect(throws: ProductError.invalidCursor) { try await repositories.products.search(ProductQuery(page: PageRequest(cursor: "garbage"))) }
        }
    }

    @Test(arguments: TestDatabases.available)
    func reservationsTakeAllLinesOrNoneAndFinishOnce(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            let inventory = repositories.inventory
            let headphones = try SKU("AUD-1"), laptop = try SKU("CMP-1")
            _ = try await inventory.setOnHand(5, of: headphones)
            _ = try await inventory.setOnHand(1, of: laptop)

            let tooMuch = try Reservation(orderID: id(50), lines: [try .init(sku: headphones, quantity: 2), try .init(sku: laptop, quantity: 2)],
                                          createdAt: now, expiresAt: now.addingTimeInterval(900))
            await #expect(throws: ProductError.insufficientStock(["CMP-1"])) { try await inventory.reserve(tooMuch) }
            #expect(try await inventory.stock(of: headphones)?.reserved == 0)
            #expect(try await inventory.reservation(for: id(50)) == nil)

            let order = try Reservation(orderID: id(51), lines: [try .init(sku: headphones, quantity: 2), try .init(sku: laptop, quantity: 1)],
                                        createdAt: now, expiresAt: now.addingTimeInterval(900))
            #expect(try await inventory.reserve(order) == .created(order))
            #expect(try await inventory.reserve(order) == .existing(order))
            #expect(try await inventory.stock(of: headphones) == StockLevel(sku: headphones, onHand: 5, reserved: 2))
            await #expect(throws: ProductError.stockBelowReserved(reserved: 2)) { try await inventory.setOnHand(1, of: headphones) }

            let committed = try await inventory.finish(id(51), as: .committed, at: now)
            #expect(committed.status == .committed)
            #expect(try await inventory.finish(id(51), as: .committed, at: now).status == .committed)
            await #expect(throws: ProductError.reservationNotHeld(.committed)) { try await inventory.finish(id(51), as: .released, at: now) }
            #expect(try await inventory.stock(of: headphones) == StockLevel(sku: headphones, onHand: 3, reserved: 0))
            #expect(try await inventory.stock(of: laptop) == StockLevel(sku: laptop, onHand: 0, reserved: 0))
            await #expect(throws: ProductError.reservationNotFound) { try await inventory.finish(id(99), as: .released, at: now) }
        }
    }

    @Test(arguments: TestDatabases.available)
    func overdueReservationsReturnTheirStock(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            let inventory = repositories.inventory
            let sku = try SKU("BOK-1")
            _ = try await inventory.setOnHand(3, of: sku)
            _ = try await inventory.reserve(try Reservation(orderID: id(60), lines: [try .init(sku: sku, quantity: 2)], createdAt: now, expiresAt: now.addingTimeInterval(60)))
            _ = try await inventory.reserve(try Reservation(orderID: id(61), lines: [try .init(sku: sku, quantity: 1)], createdAt: now, expiresAt: now.addingTimeInterval(600)))
            #expect(try await inventory.expireOverdue(at: now.addingTimeInterval(59)) == 0)
            #expect(try await inventory.expireOverdue(at: now.addingTimeInterval(60)) == 1)
            #expect(try await inventory.reservation(for: id(60))?.status == .expired)
            #expect(try await inventory.stock(of: sku) == StockLevel(sku: sku, onHand: 3, reserved: 1))
        }
    }

    @Test(arguments: TestDatabases.available)
    func concurrentReservationsNeverOversell(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            let inventory = repositories.inventory
            let sku = try SKU("AUD-2")
            _ = try await inventory.setOnHand(10, of: sku)
            let start = now
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for number in 0..<50 {
                    group.addTask {
                        let reservation = try Reservation(orderID: self.id(1000 + number), lines: [try .init(sku: sku, quantity: 1)],
                                                          createdAt: start, expiresAt: start.addingTimeInterval(900))
                        do {
                            _ = try await inventory.reserve(reservation)
                            return true
                        } catch ProductError.insufficientStock {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 10)
            #expect(try await inventory.stock(of: sku) == StockLevel(sku: sku, onHand: 10, reserved: 10))
        }
    }

    @Test(arguments: TestDatabases.available)
    func aBatchOfReservationsIsAnsweredEntryByEntry(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            let inventory = repositories.inventory
            let headphones = try SKU("AUD-1"), laptop = try SKU("CMP-1")
            _ = try await inventory.setOnHand(5, of: headphones)
            _ = try await inventory.setOnHand(2, of: laptop)
            let earlier = try reservation(70, [(laptop, 1)])
            #expect(try await inventory.reserve(earlier) == .created(earlier))

            let first = try reservation(71, [(headphones, 3), (laptop, 1)])
            let short = try reservation(72, [(headphones, 3), (laptop, 1)])
            let fits = try reservation(73, [(headphones, 2)])
            let otherGoods = try reservation(70, [(headphones, 1)])
            let results = try await inventory.reserve([first, short, fits, earlier, otherGoods, first])
            #expect(results == [
                .success(.created(first)), .failure(.insufficientStock(["AUD-1", "CMP-1"])), .success(.created(fits)),
                .success(.existing(earlier)), .failure(.reservationMismatch), .success(.existing(first)),
            ])
            #expect(try await inventory.reservation(for: id(72)) == nil, "a refused entry leaves no reservation")
            #expect(try await inventory.stock(of: headphones) == StockLevel(sku: headphones, onHand: 5, reserved: 5))
            #expect(try await inventory.stock(of: laptop) == StockLevel(sku: laptop, onHand: 2, reserved: 2))

            let finished = try await inventory.finish([id(71), id(99), id(73), id(71)], as: .committed, at: now)
            #expect(finished.map { try? $0.get().status } == [.committed, nil, .committed, .committed])
            #expect(finished[1] == .failure(.reservationNotFound))
            let released = try await inventory.finish([id(70), id(71)], as: .released, at: now)
            let releasedEarlier = try Reservation(orderID: id(70), lines: earlier.lines, status: .released, createdAt: now, expiresAt: now.addingTimeInterval(900))
            #expect(released == [.success(releasedEarlier), .failure(.reservationNotHeld(.committed))])
            #expect(try await inventory.stock(of: headphones) == StockLevel(sku: headphones, onHand: 0, reserved: 0))
            #expect(try await inventory.stock(of: laptop) == StockLevel(sku: laptop, onHand: 1, reserved: 0))
        }
    }

    /// A batch in which everything fits (on PostgreSQL, one statement) answers new orders, repeats and mismatches
    /// alike, holds every line, and counts the stock once; a line of a SKU without stock refuses its reservation
    /// alone and leaves nothing behind.
    @Test(arguments: TestDatabases.available)
    func aBatchThatFitsHoldsEveryLineOnceAndAnUnknownSKUHoldsNothing(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            let inventory = repositories.inventory
            let headphones = try SKU("AUD-1"), book = try SKU("BOK-1")
            _ = try await inventory.setOnHand(50, of: headphones)
            _ = try await inventory.setOnHand(50, of: book)
            let earlier = try reservation(80, [(book, 1)])
            _ = try await inventory.reserve(earlier)
            let two = try reservation(81, [(headphones, 2), (book, 3)]), three = try reservation(82, [(headphones, 3)])
            let results = try await inventory.reserve([two, earlier, three, try reservation(80, [(book, 2)])])
            #expect(results == [.success(.created(two)), .success(.existing(earlier)), .success(.created(three)), .failure(.reservationMismatch)])
            #expect(try await inventory.reservation(for: id(81)) == two)
            #expect(try await inventory.stock(of: headphones) == StockLevel(sku: headphones, onHand: 50, reserved: 5))
            #expect(try await inventory.stock(of: book) == StockLevel(sku: book, onHand: 50, reserved: 4))

            let unknown = try reservation(83, [(headphones, 1), (try SKU("ZZZ-9"), 1)])
            let fits = try reservation(84, [(headphones, 1)])
            #expect(try await inventory.reserve([unknown, fits]) == [.failure(.insufficientStock(["ZZZ-9"])), .success(.created(fits))])
            #expect(try await inventory.reservation(for: id(83)) == nil)
            #expect(try await inventory.stock(of: headphones) == StockLevel(sku: headphones, onHand: 50, reserved: 6))

            let shipped = try await inventory.finish([id(81), id(82), id(80)], as: .committed, at: now)
            #expect(shipped.map { try? $0.get().status } == [.committed, .committed, .committed])
            #expect(try await inventory.stock(of: headphones) == StockLevel(sku: headphones, onHand: 45, reserved: 1))
            #expect(try await inventory.stock(of: book) == StockLevel(sku: book, onHand: 46, reserved: 0))
        }
    }

    /// Batches sharing orders, in opposite orders, at the same time: none waits for ever (PostgreSQL would abort one
    /// as a deadlock), each order is reserved and committed once, and the stock is counted once.
    @Test(arguments: TestDatabases.available)
    func concurrentBatchesSharingOrdersNeitherDeadlockNorCountTwice(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            let inventory = repositories.inventory
            let sku = try SKU("BOK-1")
            _ = try await inventory.setOnHand(30, of: sku)
            let start = now
            let reservations = try (0..<20).map { number in
                try Reservation(orderID: id(2000 + number), lines: [try .init(sku: sku, quantity: 1)], createdAt: start, expiresAt: start.addingTimeInterval(900))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<6 {
                    let batch = round.isMultiple(of: 2) ? reservations : reservations.reversed()
                    group.addTask {
                        let results = try await inventory.reserve(Array(batch))
                        #expect(results.allSatisfy { (try? $0.get()) != nil })
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await inventory.stock(of: sku) == StockLevel(sku: sku, onHand: 30, reserved: 20))
            let orders = reservations.map(\.orderID)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<6 {
                    let batch = round.isMultiple(of: 2) ? orders : orders.reversed()
                    group.addTask {
                        let results = try await inventory.finish(Array(batch), as: .committed, at: start)
                        #expect(results.allSatisfy { (try? $0.get())?.status == .committed })
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await inventory.stock(of: sku) == StockLevel(sku: sku, onHand: 10, reserved: 0))
        }
    }

    @Test(arguments: TestDatabases.available)
    func concurrentBatchesNeverOversell(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { repositories in
            try await catalog(repositories)
            let inventory = repositories.inventory
            let sku = try SKU("AUD-2")
            _ = try await inventory.setOnHand(12, of: sku)
            let start = now
            let made = try await withThrowingTaskGroup(of: Int.self) { group in
                for batch in 0..<8 {
                    group.addTask {
                        let reservations = try (0..<5).map { number in
                            try Reservation(orderID: self.id(3000 + batch * 10 + number), lines: [try .init(sku: sku, quantity: 1)],
                                            createdAt: start, expiresAt: start.addingTimeInterval(900))
                        }
                        let results = try await inventory.reserve(reservations)
                        #expect(results.allSatisfy { if case .failure(let refusal) = $0 { refusal == .insufficientStock(["AUD-2"]) } else { true } })
                        return results.count { (try? $0.get()) != nil }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(made == 12)
            #expect(try await inventory.stock(of: sku) == StockLevel(sku: sku, onHand: 12, reserved: 12))
        }
    }
}
