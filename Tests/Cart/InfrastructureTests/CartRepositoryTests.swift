import CartDomain
import CartInfrastructure
import Foundation
import Logging
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

@Suite struct CartRepositoryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let euro = Currency("EUR")!

    func migrated(_ kind: TestDatabases.Kind, _ body: (SQLCartRepository) async throws -> Void) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await CartSchema.migrator.migrate(store, logger: Logger(label: "test"))
            try await body(SQLCartRepository(store: store))
        }
    }

    @Test(arguments: TestDatabases.available)
    func cartsRoundTripOnePerOwnerWithOptimisticVersions(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { carts in
            var cart = Cart(id: CartID(rawValue: UUID()), owner: .user("u1"), updatedAt: now)
            try cart.add(CatalogEntry(sku: "A-1", name: "Kettle", price: Money(minorUnits: 3990, currency: euro), active: true, available: 5), quantity: 2, at: now)
            let stored = try await carts.save(cart)
            #expect(stored.version == 1)
            #expect(try await carts.cart(of: .user("u1")) == stored)
            // A second new cart for the same owner (a race) loses.
            await #expect(throws: CartError.concurrentUpdate) { try await carts.save(Cart(id: CartID(rawValue: UUID()), owner: .user("u1"), updatedAt: now)) }
            var changed = stored
            try changed.setQuantity(3, of: "A-1", at: now)
            #expect(try await carts.save(changed).version == 2)
            await #expect(throws: CartError.concurrentUpdate) { try await carts.save(changed) }
            #expect(try await carts.cart(of: .guest(tokenHash: "u1")) == nil)
            #expect(try await carts.deleteInactive(since: now) == 0)
            #expect(try await carts.deleteInactive(since: now.addingTimeInterval(1)) == 1)
            #expect(try await carts.cart(of: .user("u1")) == nil)
        }
    }

    /// The carts of several users come back by user from one read; guests' carts and users without one are left out.
    @Test(arguments: TestDatabases.available)
    func theCartsOfSeveralUsersAreReadTogether(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { carts in
            var stored: [CartOwner: Cart] = [:]
            for (owner, quantity) in [(CartOwner.user("u1"), 1), (.user("u2"), 2), (.guest(tokenHash: "u3"), 3)] {
                var cart = Cart(id: CartID(rawValue: UUID()), owner: owner, updatedAt: now)
                try cart.add(CatalogEntry(sku: "A-1", name: "Kettle", price: Money(minorUnits: 3990, currency: euro), active: true, available: 5),
                             quantity: quantity, at: now)
                stored[owner] = try await carts.save(cart)
            }
            let read = try await carts.carts(ofUsers: ["u2", "u3", "u1", "u2", "nobody"])
            #expect(read == ["u1": stored[.user("u1")]!, "u2": stored[.user("u2")]!])
            #expect(try await carts.carts(ofUsers: []).isEmpty)
        }
    }

    /// Orders placed together empty their carts in one transaction; each event counts once, however often it comes.
    @Test(arguments: TestDatabases.available)
    func cartsOfPlacedOrdersAreDeletedOncePerEvent(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { carts in
            func fill(_ owner: CartOwner) async throws {
                var cart = Cart(id: CartID(rawValue: UUID()), owner: owner, updatedAt: now)
                try cart.add(CatalogEntry(sku: "A-1", name: "Kettle", price: Money(minorUnits: 3990, currency: euro), active: true, available: 5), quantity: 1, at: now)
                _ = try await carts.save(cart)
            }
            for owner in ["u1", "u2", "u3"] { try await fill(.user(owner)) }
            try await fill(.guest(tokenHash: "u1"))
            func deletion(_ owner: String, _ event: String) -> CartDeletion { CartDeletion(owner: .user(owner), eventID: event, eventType: "OrderPlaced") }

            #expect(try await carts.deleteCarts([deletion("u1", "e1"), deletion("u2", "e2"), deletion("u2", "e2")], at: now) == ["e1", "e2"])
            #expect(try await carts.cart(of: .user("u1")) == nil)
            #expect(try await carts.cart(of: .user("u2")) == nil)
            #expect(try await carts.cart(of: .user("u3")) != nil, "a cart no event names stays")
            #expect(try await carts.cart(of: .guest(tokenHash: "u1")) != nil, "a guest cart is not a customer's, whatever its key")

            // u1 fills a new cart; e1 comes again with e3: only e3 is new, and u1's new cart stays.
            try await fill(.user("u1"))
            #expect(try await carts.deleteCarts([deletion("u1", "e1"), deletion("u3", "e3")], at: now) == ["e3"])
            #expect(try await carts.cart(of: .user("u1")) != nil)
            #expect(try await carts.cart(of: .user("u3")) == nil)
            #expect(try await carts.deleteCarts([], at: now) == [])
        }
    }
}
