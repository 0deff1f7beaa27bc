import CartDomain
import Foundation
import Testing
import TradewindKernel

@Suite struct CartRulesTests {
    let euro = Currency("EUR")!, dollar = Currency("USD")!
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func entry(_ sku: String, _ cents: Int64, currency: Currency? = nil, active: Bool = true, available: Int? = 100) -> CatalogEntry {
        CatalogEntry(sku: sku, name: "Product \(sku)", price: Money(minorUnits: cents, currency: currency ?? euro), active: active, available: available)
    }

    func cart(_ owner: CartOwner = .user("u1")) -> Cart { Cart(id: CartID(rawValue: UUID()), owner: owner, updatedAt: now) }

    @Test func quantitiesAndLinesAreBounded() throws {
        var cart = cart()
        try cart.add(entry("A-1", 100), quantity: 98, at: now)
        try cart.add(entry("A-1", 100), quantity: 1, at: now)
        #expect(cart.lines[0].quantity == 99)
        #expect(throws: CartError.quantityOutOfRange(100)) { try cart.add(entry("A-1", 100), quantity: 1, at: now) }
        #expect(throws: CartError.quantityOutOfRange(0)) { try cart.add(entry("B-1", 100), quantity: 0, at: now) }
        #expect(throws: CartError.quantityOutOfRange(100)) { try cart.setQuantity(100, of: "A-1", at: now) }
        #expect(throws: CartError.notInCart("Z-9")) { try cart.setQuantity(1, of: "Z-9", at: now) }
        for number in 1..<Cart.maximumLines { try cart.add(entry("L-\(number)", 1), quantity: 1, at: now) }
        #expect(throws: CartError.tooManyLines) { try cart.add(entry("ONE-MORE", 1), quantity: 1, at: now) }
    }

    @Test func inactiveProductsAndOtherCurrenciesAreRefused() throws {
        var cart = cart()
        #expect(throws: CartError.productNotForSale("A-1")) { try cart.add(entry("A-1", 100, active: false), quantity: 1, at: now) }
        try cart.add(entry("A-1", 100), quantity: 1, at: now)
        #expect(throws: CartError.currencyMismatch(cart: "EUR", product: "USD")) { try cart.add(entry("B-1", 100, currency: dollar), quantity: 1, at: now) }
    }

    @Test func theViewShowsPriceChangesUnavailableLinesAndTheTotalOfWhatCanBeBought() throws {
        var cart = cart()
        try cart.add(entry("A-1", 1000), quantity: 2, at: now)
        try cart.add(entry("B-1", 500), quantity: 1, at: now)
        try cart.add(entry("C-1", 300), quantity: 5, at: now)
        cart.remember(["A-1": entry("A-1", 1200), "B-1": entry("B-1", 500, available: 0)])
        let view = try CartView(cart: cart, pricesAreStale: false, lifetime: 3600)
        let lines = Dictionary(uniqueKeysWithValues: view.lines.map { ($0.sku, $0) })
        #expect(lines["A-1"]?.priceChanged == true)
        #expect(lines["A-1"]?.lineTotal == Money(minorUnits: 2400, currency: euro))
        #expect(lines["B-1"]?.available == false)
        #expect(lines["C-1"]?.available == false, "a product the catalog no longer knows cannot be bought")
        #expect(view.total == Money(minorUnits: 2400, currency: euro))
        #expect(view.priceChanges == 1)
        #expect(view.itemCount == 8)
        #expect(view.expiresAt == now.addingTimeInterval(3600))
        #expect(try CartView(cart: self.cart(), pricesAreStale: false, lifetime: 60).total == nil)
    }

    @Test func aNewStockCountAloneIsNotWorthStoringButWhatAViewWouldShowIs() throws {
        var cart = cart()
        try cart.add(entry("A-1", 100, available: 100), quantity: 3, at: now)
        func worthStoring(_ entries: [String: CatalogEntry]) -> Bool { cart.remember(entries) }
        let renamed = { (active: Bool) in
            CatalogEntry(sku: "A-1", name: "Renamed", price: Money(minorUnits: 120, currency: euro), active: active, available: nil)
        }
        #expect(!worthStoring(["A-1": entry("A-1", 100, available: 60)]), "only the count moved; 3 are still there")
        #expect(cart.lines[0].lastKnownAvailable == 60, "the cart in hand still learns the count")
        #expect(worthStoring(["A-1": entry("A-1", 100, available: 2)]), "fewer than the 3 wanted")
        #expect(worthStoring(["A-1": entry("A-1", 100, available: 50)]), "enough again")
        #expect(worthStoring(["A-1": entry("A-1", 100, available: nil)]), "the count is no longer known")
        #expect(worthStoring(["A-1": entry("A-1", 120, available: nil)]), "a new price")
        #expect(worthStoring(["A-1": renamed(true)]), "a new name")
        #expect(worthStoring(["A-1": renamed(false)]), "no longer for sale")
        #expect(!worthStoring([:]), "gone from the catalog, but already not for sale")

        var other = self.cart()
        try other.add(entry("B-1", 100), quantity: 1, at: now)
        let goneWorthStoring = other.remember([:])
        #expect(goneWorthStoring, "gone from the catalog: no longer for sale")
    }

    @Test func mergingSumsQuantitiesKeepsOwnPricesAndIsAllOrNothing() throws {
        var mine = cart()
        try mine.add(entry("A-1", 1000), quantity: 60, at: now)
        var guest = cart(.guest(tokenHash: "h"))
        try guest.add(entry("A-1", 900), quantity: 50, at: now)
        try guest.add(entry("B-1", 200), quantity: 1, at: now)
        try mine.merge(guest, at: now)
        #expect(mine.lines.map(\.quantity) == [99, 1])
        #expect(mine.lines[0].unitPriceWhenAdded.minorUnits == 1000)

        var other = cart(.guest(tokenHash: "g"))
        try other.add(entry("D-1", 100, currency: dollar), quantity: 1, at: now)
        let before = mine
        #expect(throws: CartError.currencyMismatch(cart: "EUR", product: "USD")) { try mine.merge(other, at: now) }
        #expect(mine == before)
    }
}
