import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TradewindRuntime

@Suite struct CatalogAPITests {
    @Test func administratorsBuildTheCatalogWithVersionedUpdates() async throws {
        try await ProductServiceHarness().run { client in
            let admin = try await ProductServiceHarness.token(["admin"])
            let customer = try await ProductServiceHarness.token(["customer"])

            let refused = try await client.send(.post, "/categories", json: #"{"name":"Audio","slug":"audio"}"#, token: customer)
            #expect(refused.status == .forbidden)
            let category = try await client.send(.post, "/categories", json: #"{"name":"Audio","slug":"audio"}"#, token: admin)
            #expect(category.status == .created)
            #expect(category.headers[.eTag] == #""1""#)
            let categoryID = try #require(try category.object()["id"] as? String)
            #expect(category.headers[.location] == "/categories/\(categoryID)")

            let body = #"{"sku":"AUD-1","name":"Headphones","price":{"amount":12900,"currency":"EUR"},"categoryId":"\#(categoryID)","attributes":{"colour":"black"}}"#
            let created = try await client.send(.post, "/products", json: body, token: admin)
            #expect(created.status == .created, "\(created.text)")
            let productID = try #require(try created.object()["id"] as? String)
            #expect(try await client.send(.post, "/products", json: body, token: admin).status == .conflict)

            let update = #"{"name":"Headphones","price":{"amount":9900,"currency":"EUR"},"categoryId":"\#(categoryID)","active":true}"#
            let missing = try await client.send(.put, "/products/\(productID)", json: update, token: admin)
            #expect(missing.status == .preconditionRequired)
            let changed = try await client.send(.put, "/products/\(productID)", json: update, token: admin, ifMatch: #""1""#)
            #expect(changed.status == .ok)
            #expect(changed.headers[.eTag] == #""2""#)
            let stale = try await client.send(.put, "/products/\(productID)", json: update, token: admin, ifMatch: #""1""#)
            #expect(stale.status == .preconditionFailed)
            #expect(stale.headers[.contentType] == "application/problem+json")
            #expect(stale.headers[.eTag] == #""2""#)

            let fetched = try await client.send(.get, "/products/by-sku/AUD-1")
            #expect(fetched.status == .ok)
            #expect((try fetched.object()["price"] as? [String: Any])?["amount"] as? Int == 9900)

            let hidden = try await client.send(.post, "/products/\(productID)/deactivate", token: admin, ifMatch: #""2""#)
            #expect(hidden.status == .ok)
            #expect(try await client.send(.get, "/products/\(productID)").status == .notFound)
            #expect(try await client.send(.get, "/products/\(productID)", token: admin).status == .ok)
            let lookedUp = try await client.send(.get, "/products/by-sku?sku=AUD-1")
            #expect(lookedUp.status == .ok)
            #expect((try lookedUp.object()["items"] as? [Any])?.isEmpty == true, "a deactivated product is left out")
            let lookedUpByAdmin = try await client.send(.get, "/products/by-sku?sku=AUD-1", token: admin)
            #expect((try lookedUpByAdmin.object()["items"] as? [Any])?.count == 1)
            #expect(try await client.send(.get, "/products?includeInactive=true").status == .forbidden)
            let all = try await client.send(.get, "/products?includeInactive=true", token: admin)
            #expect((try all.object()["items"] as? [Any])?.count == 1)
            #expect(try await client.send(.get, "/products", token: "not-a-token").status == .unauthorized)
        }
    }

    @Test func badInputIsA4xxProblemAndChangesNothing() async throws {
        try await ProductServiceHarness().run { client in
            let admin = try await ProductServiceHarness.token(["admin"])
            let category = try await client.send(.post, "/categories", json: #"{"name":"Books","slug":"books"}"#, token: admin)
            let categoryID = try #require(try category.object()["id"] as? String)
            let cases: [(String, String)] = [
                (#"{"sku":"bad sku","name":"X","price":{"amount":1,"currency":"EUR"},"categoryId":"\#(categoryID)"}"#, "lowercase SKU"),
                (#"{"sku":"OK-1","name":"X","price":{"amount":-5,"currency":"EUR"},"categoryId":"\#(categoryID)"}"#, "negative price"),
                (#"{"sku":"OK-1","name":"X","price":{"amount":1,"currency":"euro"},"categoryId":"\#(categoryID)"}"#, "bad currency"),
                (#"{"sku":"OK-1","name":"X","price":{"amount":1.5,"currency":"EUR"},"categoryId":"\#(categoryID)"}"#, "fractional amount"),
                (#"{"sku":"OK-1","name":"X","price":{"amount":1,"currency":"EUR"},"categoryId":"00000000-0000-0000-0000-000000000000"}"#, "unknown category"),
                (#"{"sku":"OK-1","name":"X","price":{"amount":1,"currency":"EUR"},"categoryId":"\#(categoryID)","imageUrls":["file:///etc/passwd"]}"#, "file URL"),
                (#"{"sku":"OK-1","name":"   ","price":{"amount":1,"currency":"EUR"},"categoryId":"\#(categoryID)"}"#, "blank name"),
                (#"{"sku":"OK-1","name":"X","price":{"amount":1,"currency":"EUR"}"#, "truncated JSON"),
            ]
            for (body, label) in cases {
                let response = try await client.send(.post, "/products", json: body, token: admin)
                #expect((400..<500).contains(response.status.code), "\(label): \(response.status)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(label)")
            }
            let listed = try await client.send(.get, "/products?includeInactive=true", token: admin)
            #expect((try listed.object()["items"] as? [Any])?.isEmpty == true)
            let tooMany = (0...50).map { "sku=BK-\($0)" }.joined(separator: "&")
            for query in ["", "sku=bad%20sku", "sku=-AB", "sku=BK-1&sku=x", tooMany] {
                let response = try await client.send(.get, "/products/by-sku?\(query)")
                #expect(response.status.code == 400 || response.status.code == 422, "by-sku \(query.prefix(30)): \(response.status)")
                #expect(response.headers[.contentType] == "application/problem+json", "by-sku \(query.prefix(30))")
            }
            for query in ["limit=0", "limit=1000", "minPrice=-1", "minPrice=10&maxPrice=5", "sort=cheapest", "currency=eu", "cursor=zzz", "category=Not%20A%20Slug"] {
                let response = try await client.send(.get, "/products?\(query)")
                #expect((400..<500).contains(response.status.code), "\(query): \(response.status)")
            }
        }
    }

    @Test func theSampleCatalogCanBeBrowsedBySearchCategoryAndPrice() async throws {
        try await ProductServiceHarness(seed: true).run { client in
            let audio = try await client.send(.get, "/products?category=electronics&maxPrice=10000&sort=price&limit=3")
            #expect(audio.status == .ok)
            let items = try #require(try audio.object()["items"] as? [[String: Any]])
            let prices = items.compactMap { ($0["price"] as? [String: Any])?["amount"] as? Int }
            #expect(prices == prices.sorted())
            #expect(prices.allSatisfy { $0 <= 10000 })
            #expect(try audio.object()["nextCursor"] as? String != nil)
            let search = try await client.send(.get, "/products?q=headphones")
            #expect((try search.object()["items"] as? [Any])?.count == 2)
            let stock = try await client.send(.get, "/inventory/AUD-HP-100")
            #expect(try stock.object()["available"] as? Int == 40)
            let cart = try await client.send(.get, "/products/by-sku?sku=KIT-KT-17&sku=NOPE-1&sku=AUD-HP-100&sku=KIT-KT-17")
            #expect(cart.status == .ok)
            let found = try #require(try cart.object()["items"] as? [[String: Any]])
            #expect(found.compactMap { ($0["product"] as? [String: Any])?["sku"] as? String } == ["KIT-KT-17", "AUD-HP-100"],
                    "each SKU once, in the order asked, unknown ones left out")
            #expect((found.last?["stock"] as? [String: Any])?["available"] as? Int == 40)
            let categories = try await client.send(.get, "/categories")
            #expect((try categories.object()["items"] as? [Any])?.count == 7)
        }
    }

    @Test func reservationsThroughTheAPI() async throws {
        try await ProductServiceHarness(seed: true).run { client in
            let service = try await ProductServiceHarness.token(["service"], scopes: ["stock:reserve"], subject: "order-service")
            let customer = try await ProductServiceHarness.token(["customer"])
            // Being a machine client is not enough: reserving stock is a capability granted by scope.
            let otherService = try await ProductServiceHarness.token(["service"], scopes: ["events:publish:cargo-service"], subject: "cargo-service")
            let refused = try await client.send(.post, "/reservations", json: #"{"orderId":"\#(UUID().uuidString)","lines":[{"sku":"OUT-TN-2P","quantity":1}]}"#, token: otherService)
            #expect(refused.status == .forbidden)
            #expect(try refused.object()["detail"] as? String == "this operation needs the role admin or the scope stock:reserve")
            let order = UUID().uuidString.lowercased()
            let body = #"{"orderId":"\#(order)","lines":[{"sku":"OUT-TN-2P","quantity":10},{"sku":"OUT-HL-01","quantity":1}]}"#
            #expect(try await client.send(.post, "/reservations", json: body, token: customer).status == .forbidden)
            let first = try await client.send(.post, "/reservations", json: body, token: service)
            #expect(first.status == .created, "\(first.text)")
            #expect(try await client.send(.post, "/reservations", json: body, token: service).status == .ok)
            let short = try await client.send(.post, "/reservations", json: #"{"orderId":"\#(UUID().uuidString)","lines":[{"sku":"OUT-TN-2P","quantity":5}]}"#, token: service)
            #expect(short.status == .conflict)
            #expect(try short.object()["detail"] as? String == "not enough stock for: OUT-TN-2P")
            let unknown = try await client.send(.post, "/reservations", json: #"{"orderId":"\#(UUID().uuidString)","lines":[{"sku":"NOPE-1","quantity":1}]}"#, token: service)
            #expect(unknown.status == .unprocessableContent)
            #expect(try await client.send(.get, "/inventory/OUT-TN-2P").object()["available"] as? Int == 4)

            let committed = try await client.send(.post, "/reservations/\(order)/commit", token: service)
            #expect(try committed.object()["status"] as? String == "committed")
            #expect(try await client.send(.post, "/reservations/\(order)/release", token: service).status == .conflict)
            let stock = try await client.send(.get, "/inventory/OUT-TN-2P").object()
            #expect(stock["onHand"] as? Int == 4 && stock["reserved"] as? Int == 0)
            #expect(try await client.send(.get, "/reservations/\(UUID().uuidString)", token: service).status == .notFound)
        }
    }

    @Test func reservationBatchesAnswerEachEntryOnItsOwn() async throws {
        try await ProductServiceHarness(seed: true).run { client in
            let service = try await ProductServiceHarness.token(["service"], scopes: ["stock:reserve"], subject: "order-service")
            let available = try await client.send(.get, "/inventory/OUT-TN-2P").object()["available"] as? Int ?? 0
            let first = UUID().uuidString.lowercased(), short = UUID().uuidString.lowercased(), last = UUID().uuidString.lowercased()
            func entry(_ order: String, _ sku: String, _ quantity: Int) -> String {
                #"{"orderId":"\#(order)","lines":[{"sku":"\#(sku)","quantity":\#(quantity)}]}"#
            }
            let batch = [
                entry(first, "OUT-TN-2P", 2), entry(short, "OUT-TN-2P", available), entry("not-a-uuid", "OUT-TN-2P", 1),
                entry(UUID().uuidString, "NOPE-1", 1), entry(last, "OUT-TN-2P", available - 2), entry(first, "OUT-TN-2P", 2),
            ]
            let reserved = try await client.send(.post, "/reservation-batches", json: #"{"reservations":[\#(batch.joined(separator: ","))]}"#, token: service)
            #expect(reserved.status == .ok, "\(reserved.text)")
            let results = try #require(try reserved.object()["results"] as? [[String: Any]])
            #expect(results.map { $0["status"] as? Int } == [201, 409, 422, 422, 201, 200], "the second takes what the first left; a repeat finds the first")
            #expect((results[1]["problem"] as? [String: Any])?["detail"] as? String == "not enough stock for: OUT-TN-2P")
            #expect(results[2]["orderId"] as? String == "not-a-uuid")
            #expect(try await client.send(.get, "/inventory/OUT-TN-2P").object()["available"] as? Int == 0)
            #expect(try await client.send(.get, "/reservations/\(short)", token: service).status == .notFound, "a refused entry leaves nothing behind")

            let unknown = UUID().uuidString.lowercased()
            let committed = try await client.send(.post, "/commit-batches", json: #"{"orderIds":["\#(first)","\#(unknown)","\#(last)","\#(first)"]}"#, token: service)
            let commits = try #require(try committed.object()["results"] as? [[String: Any]])
            #expect(commits.map { $0["status"] as? Int } == [200, 404, 200, 200])
            #expect(commits.map { ($0["reservation"] as? [String: Any])?["status"] as? String } == ["committed", nil, "committed", "committed"])
            let stock = try await client.send(.get, "/inventory/OUT-TN-2P").object()
            #expect(stock["reserved"] as? Int == 0 && stock["available"] as? Int == 0, "each order's goods leave the shelf once")

            // Asked for minimal answers, the same batches (repeated: nothing changes) leave the reservations out.
            #expect(reserved.headers[HTTPField.Name("Preference-Applied")!] == nil)
            let again = #"{"reservations":[\#(entry(first, "OUT-TN-2P", 2)),\#(entry(UUID().uuidString, "NOPE-1", 1))]}"#
            let minimal = try await client.send(.post, "/reservation-batches", json: again, token: service, prefer: #"wait=3, return="minimal""#)
            #expect(minimal.headers[HTTPField.Name("Preference-Applied")!] == "return=minimal")
            let minimalResults = try #require(try minimal.object()["results"] as? [[String: Any]])
            #expect(minimalResults.map { $0["status"] as? Int } == [200, 422])
            #expect(minimalResults.allSatisfy { $0["reservation"] == nil } && minimalResults[1]["problem"] != nil && minimalResults[0]["orderId"] as? String == first)
            let minimalCommits = try #require(try await client.send(.post, "/commit-batches", json: #"{"orderIds":["\#(first)","\#(unknown)"]}"#, token: service,
                                                                    prefer: "return=minimal").object()["results"] as? [[String: Any]])
            #expect(minimalCommits.map { $0["status"] as? Int } == [200, 404] && minimalCommits.allSatisfy { $0["reservation"] == nil })
            let representation = try await client.send(.post, "/commit-batches", json: #"{"orderIds":["\#(first)"]}"#, token: service, prefer: "return=representation")
            #expect((try representation.object()["results"] as? [[String: Any]])?.first?["reservation"] != nil)

            let tooMany = try await client.send(.post, "/commit-batches", json: #"{"orderIds":[\#(Array(repeating: "\"\(first)\"", count: 101).joined(separator: ","))]}"#, token: service)
            #expect(tooMany.status.code / 100 == 4)
        }
    }
}
