import Foundation
import ProductDomain
import Testing
import TradewindKernel

@Suite struct CatalogRulesTests {
    let euro = Currency("EUR")!
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func id<T: EntityIdentifier>(_ number: Int) -> T { T(rawValue: UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", number))!) }

    @Test func skusAndSlugsHaveOneSpelling() throws {
        #expect(try SKU("AUD-HP-100").value == "AUD-HP-100")
        for bad in ["a", "aud-hp", "-AUD", "AUD HP", String(repeating: "A", count: 41), "ÄUD"] {
            #expect(throws: ProductError.self, "\(bad)") { try SKU(bad) }
        }
        #expect(try Slug("home-office").value == "home-office")
        for bad in ["", "Home", "home--office", "-home", "home-", "home office", String(repeating: "a", count: 65)] {
            #expect(throws: ProductError.self, "\(bad)") { try Slug(bad) }
        }
    }

    @Test func productDetailsAreValidated() throws {
        let category: CategoryID = id(1)
        func make(_ change: (inout Product.Details) -> Void) throws -> Product {
            var details = Product.Details(name: "  Kettle ", price: Money(minorUnits: 3990, currency: euro), categoryID: category)
            change(&details)
            return try Product(id: id(2), sku: try SKU("KIT-1"), details: details, createdAt: now, updatedAt: now)
        }
        #expect(try make { _ in }.details.name == "Kettle")
        #expect(throws: ProductError.invalid(field: "name", reason: "must be 1 to 200 characters")) { try make { $0.name = "   " } }
        #expect(throws: ProductError.self) { try make { $0.price = Money(minorUnits: -1, currency: euro) } }
        #expect(throws: ProductError.self) { try make { $0.imageURLs = ["javascript:alert(1)"] } }
        #expect(throws: ProductError.self) { try make { $0.imageURLs = Array(repeating: "https://img.example/a.png", count: 11) } }
        #expect(throws: ProductError.self) { try make { $0.attributes = ["": "x"] } }
        #expect(try make { $0.imageURLs = ["https://img.example/a.png"] }.details.imageURLs.count == 1)
    }

    @Test func deactivationKeepsTheVersionForTheRepositoryToBump() throws {
        let product = try Product(id: id(2), sku: try SKU("KIT-1"), details: .init(name: "Kettle", price: Money(minorUnits: 1, currency: euro), categoryID: id(1)),
                                  version: 4, createdAt: now, updatedAt: now)
        let later = now.addingTimeInterval(60)
        let inactive = try product.deactivated(at: later)
        #expect(!inactive.details.active)
        #expect(inactive.version == 4)
        #expect(inactive.updatedAt == later)
    }

    @Test func categoryTreesFindSubtreesAndRefuseCycles() throws {
        let root = try Category(id: id(1), name: "Electronics", slug: try Slug("electronics"), parentID: nil)
        let audio = try Category(id: id(2), name: "Audio", slug: try Slug("audio"), parentID: id(1))
        let headphones = try Category(id: id(3), name: "Headphones", slug: try Slug("headphones"), parentID: id(2))
        let books = try Category(id: id(4), name: "Books", slug: try Slug("books"), parentID: nil)
        let tree = [root, audio, headphones, books]
        #expect(tree.subtree(of: id(1)) == [id(1), id(2), id(3)])
        #expect(tree.subtree(of: id(3)) == [id(3)])
        #expect(tree.wouldCycle(child: id(1), parent: id(3)))
        #expect(!tree.wouldCycle(child: id(3), parent: id(4)))
        #expect(throws: ProductError.categoryCycle) { try Category(id: id(5), name: "Loop", slug: try Slug("loop"), parentID: id(5)) }
    }

    @Test func reservationsHoldDistinctLinesInSKUOrderAndMoveOnlyFromHeld() throws {
        let a = try ReservationLine(sku: try SKU("B-2"), quantity: 1), b = try ReservationLine(sku: try SKU("A-1"), quantity: 3)
        let reservation = try Reservation(orderID: id(9), lines: [a, b], createdAt: now, expiresAt: now.addingTimeInterval(900))
        #expect(reservation.lines.map(\.sku.value) == ["A-1", "B-2"])
        #expect(reservation.holdsSameGoods(as: [b, a]))
        #expect(!reservation.holdsSameGoods(as: [a]))
        #expect(throws: ProductError.self) { try Reservation(orderID: id(9), lines: [a, a], createdAt: now, expiresAt: now.addingTimeInterval(1)) }
        #expect(throws: ProductError.self) { try Reservation(orderID: id(9), lines: [], createdAt: now, expiresAt: now.addingTimeInterval(1)) }
        #expect(throws: ProductError.self) { try ReservationLine(sku: try SKU("A-1"), quantity: 0) }

        #expect(try reservation.transition(to: .committed, at: now) == .committed)
        #expect(try reservation.transition(to: .released, at: now) == .released)
        #expect(throws: ProductError.reservationNotHeld(.expired)) { try reservation.transition(to: .committed, at: now.addingTimeInterval(900)) }
        let released = try Reservation(orderID: id(9), lines: [a], status: .released, createdAt: now, expiresAt: now.addingTimeInterval(900))
        #expect(try released.transition(to: .released, at: now) == .released)
        #expect(throws: ProductError.reservationNotHeld(.released)) { try released.transition(to: .committed, at: now) }
    }
}
