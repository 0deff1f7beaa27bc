import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import StorefrontDomain
import StorefrontServer
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// A guest's cart, signing up and in and out, as a browser does it: the session cookie, the form tokens, and
/// 303 answers after each change.
@Suite struct ShopperPagesTests {
    /// Keeps the session cookie and reads the form token off the last page, as a browser's form would send it.
    final class Browser: Sendable {
        let client: any TestClientProtocol
        let cookie = Mutex<String?>(nil)
        let formToken = Mutex<String?>(nil)

        init(_ client: any TestClientProtocol) { self.client = client }

        @discardableResult
        func get(_ uri: String) async throws -> TestResponse {
            let response = try await client.execute(uri: uri, method: .get, headers: headers())
            keep(response)
            return response
        }

        func post(_ uri: String, _ fields: [String: String], token: String? = nil) async throws -> TestResponse {
            var fields = fields
            fields["formToken"] = token ?? formToken.withLock { $0 } ?? ""
            var headers = headers()
            headers[.contentType] = "application/x-www-form-urlencoded"
            var components = URLComponents()
            components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
            let body = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
            let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
            keep(response)
            return response
        }

        /// A form with a file, as `<form enctype="multipart/form-data">` sends it.
        func upload(_ uri: String, _ fields: [String: String], file: (field: String, name: String, content: String),
                    token: String? = nil, boundary: String = "----TradewindBoundary7MA4YWxk") async throws -> TestResponse {
            var fields = fields
            fields["formToken"] = token ?? formToken.withLock { $0 } ?? ""
            var body = ""
            for (name, value) in fields {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.name)\"\r\n"
                + "Content-Type: text/csv\r\n\r\n\(file.content)\r\n--\(boundary)--\r\n"
            var headers = headers()
            headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
            keep(response)
            return response
        }

        func headers() -> HTTPFields {
            var headers: HTTPFields = [:]
            if let cookie = cookie.withLock({ $0 }) { headers[.cookie] = cookie }
            return headers
        }

        func keep(_ response: TestResponse) {
            if let set = response.headers[.setCookie], let pair = set.split(separator: ";").first { cookie.withLock { $0 = String(pair) } }
            let html = String(buffer: response.body)
            if let range = html.range(of: #"name="formToken" value=""#) {
                let token = html[range.upperBound...].prefix { $0 != "\"" }
                formToken.withLock { $0 = String(token) }
            }
        }
    }

    func run(accounts: MemoryAccounts = MemoryAccounts(), carts: MemoryCarts = MemoryCarts(),
             _ test: @escaping @Sendable (Browser) async throws -> Void) async throws {
        try await StorefrontPagesTests().run(accounts: accounts, carts: carts) { client in try await test(Browser(client)) }
    }

    static let product = "/products/\(StorefrontPagesTests.MemoryCatalog.headphones.id)"

    @Test func aGuestsCartBecomesTheirsWhenTheySignUpAndSigningOutEndsTheSession() async throws {
        let carts = MemoryCarts()
        try await run(carts: carts) { browser in
            let page = try await browser.get(Self.product)
            let cookie = try #require(page.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
            let added = try await browser.post("/cart/items", ["sku": "AUD-1", "product": StorefrontPagesTests.MemoryCatalog.headphones.id, "quantity": "2"])
            #expect(added.status == .seeOther && added.headers[.location] == "/cart")
            let cart = String(buffer: try await browser.get("/cart").body)
            #expect(cart.contains("Added 2 × Product AUD-1 to your cart.") && cart.contains("258.00 EUR"))
            #expect(!String(buffer: try await browser.get("/cart").body).contains("Added 2"), "a notice is said once")

            let guestCookie = browser.cookie.withLock { $0 }
            try await browser.get("/sign-up")
            let signedUp = try await browser.post("/sign-up", ["email": "ada@example.com", "displayName": "Ada <Shopper>", "password": "correct horse 1"])
            #expect(signedUp.status == .seeOther && signedUp.headers[.location] == "/")
            #expect(browser.cookie.withLock { $0 } != guestCookie, "signing in gives the session a new id")
            #expect(carts.lines(of: .customer(accessToken: "ada@example.com|1")) == ["AUD-1": 2], "the guest cart moved into the customer's")
            let home = String(buffer: try await browser.get("/cart").body)
            #expect(home.contains("Signed in as Ada &lt;Shopper&gt;") && home.contains("258.00 EUR"))

            let signedOut = try await browser.post("/sign-out", [:])
            #expect(signedOut.status == .seeOther)
            let after = String(buffer: try await browser.get("/cart").body)
            #expect(after.contains("You are signed out") && after.contains("Your cart is empty") && !after.contains("Signed in as"))
        }
    }

    @Test func aChangeWithoutTheSessionsFormTokenIsRefusedAndChangesNothing() async throws {
        let carts = MemoryCarts()
        try await run(carts: carts) { browser in
            try await browser.get(Self.product)
            for token in ["", "forged-token-from-another-site"] {
                let refused = try await browser.post("/cart/items", ["sku": "AUD-1", "quantity": "1"], token: token)
                #expect(refused.status == .forbidden && String(buffer: refused.body).contains("This form has expired"))
                #expect(refused.headers[.contentType] == "text/html; charset=utf-8")
            }
            var headers = browser.headers()
            headers[.contentType] = "application/x-www-form-urlencoded"
            let unreadable = try await browser.client.execute(uri: "/sign-in", method: .post, headers: headers, body: ByteBuffer(string: "email=%zz"))
            #expect(unreadable.status == .badRequest)
            let tooLarge = try await browser.client.execute(uri: "/ops/handling/batch", method: .post, headers: headers,
                                                            body: ByteBuffer(string: "csv=" + String(repeating: "x", count: 300 * 1024)))
            #expect(tooLarge.status == .contentTooLarge && tooLarge.headers[.contentType] == "text/html; charset=utf-8")
            #expect(carts.state.withLock { $0.opened } == 0, "no cart was opened")
        }
    }

    @Test func formProblemsAreShownNextToTheirFields() async throws {
        let accounts = MemoryAccounts()
        try await accounts.register(email: "taken@example.com", displayName: "T", password: "long enough 1")
        try await run(accounts: accounts) { browser in
            try await browser.get("/sign-up")
            let short = try await browser.post("/sign-up", ["email": "new@example.com", "displayName": "", "password": "short"])
            #expect(short.status == .unprocessableContent)
            let html = String(buffer: short.body)
            #expect(html.contains(#"id="password-error">The password must be 8 to 72"#) && html.contains(#"id="displayName-error">"#))
            #expect(html.contains(#"value="new@example.com""#), "what the shopper typed stays")
            let taken = try await browser.post("/sign-up", ["email": "taken@example.com", "displayName": "T", "password": "long enough 1"])
            #expect(taken.status == .conflict && String(buffer: taken.body).contains(#"id="email-error">An account with this email exists"#))

            try await browser.get("/sign-in?next=//elsewhere.example/steal")
            let wrong = try await browser.post("/sign-in", ["email": "taken@example.com", "password": "not it at all", "next": "//elsewhere.example"])
            #expect(wrong.status == .unauthorized && String(buffer: wrong.body).contains("The email or the password is not right."))
            let right = try await browser.post("/sign-in", ["email": "taken@example.com", "password": "long enough 1", "next": "https://elsewhere.example"])
            #expect(right.status == .seeOther && right.headers[.location] == "/", "only a path on this site is a place to go next")

            try await browser.get(Self.product)
            let tooMany = try await browser.post("/cart/items", ["sku": "AUD-1", "product": StorefrontPagesTests.MemoryCatalog.headphones.id, "quantity": "100"])
            #expect(tooMany.status == .unprocessableContent && String(buffer: tooMany.body).contains(#"id="quantity-error">Choose a quantity from 1 to 99."#))
        }
    }

    @Test func aCustomerChecksOutOnceFollowsTheOrderAndOpensItsTracking() async throws {
        let carts = MemoryCarts()
        try await run(carts: carts) { browser in
            let away = try await browser.get("/checkout")
            #expect(away.status == .seeOther && away.headers[.location] == "/sign-in?next=/checkout")
            try await browser.get("/sign-up")
            _ = try await browser.post("/sign-up", ["email": "bo@example.com", "displayName": "Bo", "password": "correct horse 1"])
            try await browser.get(Self.product)
            _ = try await browser.post("/cart/items", ["sku": "AUD-1", "product": StorefrontPagesTests.MemoryCatalog.headphones.id, "quantity": "1"])

            let checkout = String(buffer: try await browser.get("/checkout").body)
            #expect(checkout.contains(#"<option value="SESTO">Stockholm (SESTO)</option>"#) && checkout.contains(#"value="Bo""#))
            let key = try #require(checkout.range(of: #"name="orderKey" value=""#).map { String(checkout[$0.upperBound...].prefix { $0 != "\"" }) })
            let address = ["name": "Bo", "street": "Storgatan 1", "city": "Stockholm", "postalCode": "111 22", "country": "se", "destination": "SESTO"]

            var bad = address
            bad["country"] = "Sweden"
            bad["destination"] = ""
            let refused = try await browser.post("/checkout", bad.merging(["orderKey": key]) { $1 })
            #expect(refused.status == .unprocessableContent)
            let html = String(buffer: refused.body)
            #expect(html.contains(#"id="country-error">Enter the country as two letters"#) && html.contains(#"id="destination-error">"#))
            #expect(html.contains(#"value="Storgatan 1""#) && html.contains(key), "what was typed stays, and so does the order's key")

            let placed = try await browser.post("/checkout", address.merging(["orderKey": key]) { $1 })
            let location = try #require(placed.headers[.location])
            #expect(placed.status == .seeOther && location.hasPrefix("/orders/"))
            let twice = try await browser.post("/checkout", address.merging(["orderKey": key]) { $1 })
            #expect(twice.headers[.location] == location, "the same form sent twice places one order")

            let order = String(buffer: try await browser.get(location).body)
            #expect(order.contains("Thank you! Your order is placed") && order.contains("Status: <strong class=\"status status-shipped\">Shipped</strong>"))
            #expect(order.contains(#"<a href="/track/ABCD1234">"#) && !order.contains("http-equiv=\"refresh\""), "a shipped order is not followed any more")
            #expect(String(buffer: try await browser.get("/orders").body).contains(location))

            let tracking = try await browser.get("/track/ABCD1234")
            #expect(tracking.status == .ok && String(buffer: tracking.body).contains("In port Hongkong"))
            #expect(String(buffer: tracking.body).contains("Received in Hongkong"))
            #expect(String(buffer: tracking.body).contains("Voyage <strong>V100</strong>: from CNHKG, "), "the route, a port without a name by its code")
            #expect(String(buffer: tracking.body).contains("to Stockholm (SESTO)"))
            #expect(try await browser.get("/track/00000000").status == .notFound)
            #expect(try await browser.get("/track/%3Cscript%3E").status == .notFound)
            #expect(try await browser.get("/orders/not-an-order").status == .notFound)
        }
    }
}

/// The operations pages as an administrator uses them, and what they refuse to a customer.
@Suite struct OperationsPagesTests {
    @Test func anAdministratorSeesAMisdirectedUnloadReroutesAndChoosesANewRoute() async throws {
        let accounts = MemoryAccounts(), operations = MemoryCargoOperations()
        try await accounts.register(email: "admin@example.com", displayName: "Ada Admin", password: "long enough 1")
        try await accounts.register(email: "shopper@example.com", displayName: "Sam", password: "long enough 1")
        try await StorefrontPagesTests().run(accounts: accounts, operations: operations) { client in
            let browser = ShopperPagesTests.Browser(client)
            #expect(try await browser.get("/ops/cargos").headers[.location] == "/sign-in?next=/ops/cargos")
            try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", ["email": "shopper@example.com", "password": "long enough 1"])
            let refused = try await browser.get("/ops/handling")
            #expect(refused.status == .forbidden && String(buffer: refused.body).contains("Only port staff and administrators"))
            #expect(!String(buffer: try await browser.get("/").body).contains(#"href="/ops""#), "a customer is not offered the operations pages")
            _ = try await browser.post("/sign-out", [:])

            try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", ["email": "admin@example.com", "password": "long enough 1"])
            #expect(String(buffer: try await browser.get("/ops/cargos").body).contains(#"<a href="/ops/cargos/ABCD1234">"#))
            try await browser.get("/ops/handling")
            let missingVoyage = try await browser.post("/ops/handling", ["trackingId": "abcd1234", "eventType": "UNLOAD", "location": "JNTKO",
                                                                         "voyage": "", "completedAt": "2026-12-01T10:00"])
            #expect(missingVoyage.status == .unprocessableContent && String(buffer: missingVoyage.body).contains("happen on a voyage"))
            let wrongPort = try await browser.post("/ops/handling", ["trackingId": "abcd1234", "eventType": "UNLOAD", "location": "JNTKO",
                                                                     "voyage": "V100", "completedAt": "2026-12-01T10:00"])
            #expect(wrongPort.status == .created && String(buffer: wrongPort.body).contains("Misdirected"))

            let cargo = String(buffer: try await browser.get("/ops/cargos/ABCD1234").body)
            #expect(cargo.contains("Misdirected") && cargo.contains("Reroute from JNTKO"))
            #expect(try await browser.post("/ops/cargos/ABCD1234/reroute", [:]).headers[.location] == "/ops/cargos/ABCD1234")
            let rerouted = String(buffer: try await browser.get("/ops/cargos/ABCD1234").body)
            #expect(rerouted.contains("Choose route 1") && rerouted.contains("misrouted") && !rerouted.contains("Reroute from"))
            let route = try #require(rerouted.range(of: #"name="route" value=""#).map { String(rerouted[$0.upperBound...].prefix { $0 != "\"" }) })
            #expect(try await browser.post("/ops/cargos/ABCD1234/route", ["route": route]).status == .seeOther)
            let onTrack = String(buffer: try await browser.get("/ops/cargos/ABCD1234").body)
            #expect(onTrack.contains("The route is assigned.") && onTrack.contains(#"<dd class="routing">routed</dd>"#) && !onTrack.contains("Misdirected"))
            #expect(onTrack.contains("Voyage <strong>V200</strong>"))
            #expect(try await browser.post("/ops/cargos/ABCD1234/route", ["route": "not|a|route"]).status == .badRequest)

            let batch = try await browser.post("/ops/handling/batch", ["csv": "completionTime,trackingId,eventType,location,voyage\n2026-12-01T10:00:00Z,ABCD1234,UNLOAD,XXXXX,V100"])
            #expect(batch.status == .unprocessableContent && String(buffer: batch.body).contains("<td>2</td><td>unknown location XXXXX</td>"))

            // The same batch as a file, chosen in the file field: the file wins over an empty text area.
            let header = "completionTime,trackingId,eventType,location,voyage\r\n"
            let refusedFile = try await browser.upload("/ops/handling/batch", ["csv": ""],
                                                       file: ("file", "unload.csv", header + "2026-12-01T10:00:00Z,ABCD1234,UNLOAD,XXXXX,V100\r\n"))
            #expect(refusedFile.status == .unprocessableContent && String(buffer: refusedFile.body).contains("<td>2</td><td>unknown location XXXXX</td>"))
            let acceptedFile = try await browser.upload("/ops/handling/batch", ["csv": ""],
                                                        file: ("file", "load.csv", header + "2026-12-01T10:00:00Z,ABCD1234,LOAD,SESTO,V100\r\n"))
            #expect(acceptedFile.status == .created && String(buffer: acceptedFile.body).contains("1 events reported."))
            let empty = try await browser.upload("/ops/handling/batch", ["csv": ""], file: ("file", "empty.csv", ""))
            #expect(empty.status == .unprocessableContent && String(buffer: empty.body).contains("Choose a CSV file or paste its lines"))
            let forged = try await browser.upload("/ops/handling/batch", [:], file: ("file", "load.csv", header), token: "not the session's")
            #expect(forged.status == .forbidden)
            let unreadable = try await browser.upload("/ops/handling/batch", [:], file: ("file", "load.csv", header), boundary: "")
            #expect(unreadable.status == .badRequest)
        }
    }
}
