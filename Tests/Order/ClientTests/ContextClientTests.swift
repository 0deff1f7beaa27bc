import AsyncHTTPClient
import CargoServer
import CartServer
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import OrderDomain
import OrderInfrastructure
import ProductServer
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// The order service's clients of the product, cargo and cart contexts, against those services themselves (built
/// in-process, listening on real ports): which answers become a permanent failure (the checkout compensates) and
/// which a transient one (it retries), and that an order takes every line of the cart.
@Suite struct ContextClientTests {
    static let key = ES256PrivateKey()
    static let logger: Logger = {
        var logger = Logger(label: "order-clients-test")
        logger.logLevel = .critical
        return logger
    }()

    static func token(subject: String, roles: [String], scopes: [String] = []) async throws -> String {
        try await JWTKeyCollection().add(ecdsa: key, kid: "k1").sign(AccessTokenClaims(
            subject: subject, issuer: RuntimeSettings.defaultIssuer, audience: RuntimeSettings.defaultAudience, roles: roles, scopes: scopes,
            issuedAt: Date(), lifetime: 600, id: UUID().uuidString
        ), kid: "k1")
    }

    /// The order service's own token, as its machine client gets it.
    struct FixedToken: ServiceTokenProvider {
        let value: String
        func token() async throws -> String { value }
    }

    static func keys() async -> LocalKeySource { LocalKeySource(await .ecdsa([("k1", key.publicKey)])) }

    static func serviceClient(_ endpoints: [String: Int], scopes: [String] = [Scope.reserveStock, Scope.bookFreight]) async throws -> ServiceClient {
        let discovery = StaticDiscovery(endpoints.mapValues { ["http://127.0.0.1:\($0)"] })
        let token = try await token(subject: "order-service", roles: ["service"], scopes: scopes)
        var configuration = ServiceClient.Configuration()
        configuration.retry.maximumAttempts = 1
        return ServiceClient(discovery: discovery, tokens: FixedToken(value: token), configuration: configuration, logger: logger)
    }

    /// Books a cargo the way a booker that routes later does, straight through the cargo API; its tracking id.
    static func bookUnrouted(reference: String, deadline: Date, port: Int) async throws -> String {
        struct Booked: Decodable { let trackingId: String }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/cargos")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(try await token(subject: "order-service", roles: ["service"], scopes: [Scope.bookFreight]))")
        request.headers.add(name: "Content-Type", value: "application/json")
        let body: [String: String] = ["origin": "CNHKG", "destination": "SESTO", "arrivalDeadline": deadline.formatted(.iso8601), "reference": reference]
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.status == .created)
        return try JSONDecoder().decode(Booked.self, from: Data(String(buffer: try await response.body.collect(upTo: 1 << 20)).utf8)).trackingId
    }

    /// The itinerary the cargo service holds for a cargo (its JSON), `nil` when it is not routed.
    static func cargoItinerary(_ trackingID: String, port: Int) async throws -> String? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/cargos/\(trackingID)")
        request.headers.add(name: "Authorization", value: "Bearer \(try await token(subject: "order-service", roles: ["service"], scopes: [Scope.bookFreight]))")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let object = try JSONSerialization.jsonObject(with: Data(String(buffer: try await response.body.collect(upTo: 1 << 20)).utf8)) as? [String: Any]
        return (object?["itinerary"]).flatMap { $0 is NSNull ? nil : String(describing: $0) }
    }

    struct StockLevel: Decodable { let onHand: Int, reserved: Int }

    static func stock(_ sku: String, port: Int) async throws -> StockLevel {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/inventory/\(sku)"), timeout: .seconds(10))
        return try JSONDecoder().decode(StockLevel.self, from: Data(String(buffer: try await response.body.collect(upTo: 1 << 20)).utf8))
    }

    /// The step failure `work` ends with, or `nil` when it succeeds.
    static func failure(of work: () async throws -> Void) async -> StepFailure? {
        do {
            try await work()
            return nil
        } catch let failure as StepFailure {
            return failure
        } catch {
            Issue.record("expected a StepFailure, got \(error)")
            return nil
        }
    }

    /// A port nothing listens on.
    static let closedPort = 1

    static func line(_ sku: String, _ quantity: Int) throws -> OrderLine {
        try OrderLine(sku: sku, name: sku, unitPrice: Money(minorUnits: 100, currency: Currency("EUR")!), quantity: quantity)
    }

    func withProduct(_ test: @escaping @Sendable (Int) async throws -> Void) async throws {
        let app = try await ProductService.buildApplication(
            ProductServiceConfiguration(runtime: RuntimeSettings(serviceName: "product-service", port: 0, database: .sqliteInMemory), seedSampleData: true),
            keys: await Self.keys(), logger: Self.logger
        )
        // Failures are recorded, not thrown: a throwing test body tears the service down without closing its store.
        try await app.test(.live) { (client: any TestClientProtocol) async throws in
            do {
                try await test(client.port!)
            } catch {
                Issue.record(error)
            }
        }
    }

    @Test func stockReservationsMapTheProductServicesAnswers() async throws {
        try await withProduct { port in
            let stock = ProductStockClient(client: try await Self.serviceClient(["product-service": port]))
            let order = OrderID(rawValue: UUID())
            try await stock.reserve(order, lines: [try Self.line("OUT-TN-2P", 2)])
            try await stock.reserve(order, lines: [try Self.line("OUT-TN-2P", 2)])  // idempotent per order

            let tooMany = [try Self.line("OUT-TN-2P", 20)], unknown = [try Self.line("NO-SUCH-SKU", 1)], one = [try Self.line("OUT-TN-2P", 1)]
            let short = await Self.failure { try await stock.reserve(OrderID(rawValue: UUID()), lines: tooMany) }
            if case .permanent(let reason)? = short { #expect(reason.contains("OUT-TN-2P")) } else { Issue.record("too little stock: \(String(describing: short))") }
            let missing = await Self.failure { try await stock.reserve(OrderID(rawValue: UUID()), lines: unknown) }
            if case .permanent? = missing {} else { Issue.record("an unknown product must be permanent: \(String(describing: missing))") }

            try await stock.commit(order)
            #expect(try await stock.release(order) == .alreadyCommitted, "the goods have left")
            #expect(try await stock.release(OrderID(rawValue: UUID())) == .released)  // nothing held: nothing to do
            let commitNothing = await Self.failure { try await stock.commit(OrderID(rawValue: UUID())) }
            if case .permanent? = commitNothing {} else { Issue.record("committing nothing: \(String(describing: commitNothing))") }

            // A token without the capability is refused by the product service: not the order's fault, so retried.
            let unscoped = ProductStockClient(client: try await Self.serviceClient(["product-service": port], scopes: []))
            let refused = await Self.failure { try await unscoped.reserve(OrderID(rawValue: UUID()), lines: one) }
            if case .transient(let reason)? = refused {
                #expect(reason.contains("403") || reason.contains("forbidden"), "\(reason)")
            } else {
                Issue.record("a refused token must be transient: \(String(describing: refused))")
            }
        }
        let down = ProductStockClient(client: try await Self.serviceClient(["product-service": Self.closedPort]))
        let one = [try Self.line("OUT-TN-2P", 1)]
        let unreachable = await Self.failure { try await down.reserve(OrderID(rawValue: UUID()), lines: one) }
        if case .transient? = unreachable {} else { Issue.record("the product service being down must be transient: \(String(describing: unreachable))") }
    }

    /// The checkout advances many orders at once: their reservations and commits share requests to the product
    /// service, and each order still gets its own answer.
    @Test func concurrentReservationsAndCommitsGetTheirOwnAnswers() async throws {
        try await withProduct { port in
            let stock = ProductStockClient(client: try await Self.serviceClient(["product-service": port]), maximumBatch: 5)
            let orders = (0..<12).map { _ in OrderID(rawValue: UUID()) }
            // Every third order asks for more than the shelf holds (14).
            let reserved = await withTaskGroup(of: (Int, StepFailure?).self) { group in
                for (index, order) in orders.enumerated() {
                    group.addTask {
                        (index, await Self.failure { try await stock.reserve(order, lines: [try Self.line("OUT-TN-2P", index % 3 == 0 ? 20 : 1)]) })
                    }
                }
                var outcomes: [Int: StepFailure?] = [:]
                for await (index, failure) in group { outcomes[index] = failure }
                return outcomes
            }
            for index in orders.indices {
                if index % 3 == 0 {
                    if case .permanent(let reason)?? = reserved[index] { #expect(reason.contains("OUT-TN-2P")) } else { Issue.record("order \(index): \(String(describing: reserved[index]))") }
                } else {
                    #expect(reserved[index] == .some(nil), "order \(index)")
                }
            }
            let committed = await withTaskGroup(of: (Int, StepFailure?).self) { group in
                for (index, order) in orders.enumerated() { group.addTask { (index, await Self.failure { try await stock.commit(order) }) } }
                var outcomes: [Int: StepFailure?] = [:]
                for await (index, failure) in group { outcomes[index] = failure }
                return outcomes
            }
            for index in orders.indices {
                if index % 3 == 0 {
                    if case .permanent?? = committed[index] {} else { Issue.record("nothing held for order \(index): \(String(describing: committed[index]))") }
                } else {
                    #expect(committed[index] == .some(nil), "order \(index)")
                }
            }
            let level = try await Self.stock("OUT-TN-2P", port: port)
            #expect(level.reserved == 0, "every successful reservation was committed, the refused ones held nothing")
        }
    }

    /// A product service without the batch operations (an older version, during a rolling upgrade) is asked once per
    /// order.
    @Test func aProductServiceWithoutBatchesIsAskedOncePerOrder() async throws {
        let router = Router()
        router.post("/reservations") { request, context -> Response in
            struct Asked: Decodable { let orderId: String }
            let asked = try await request.decode(as: Asked.self, context: context)
            let reservation = #"{"orderId":"\#(asked.orderId)","lines":[{"sku":"OUT-TN-2P","quantity":1}],"status":"held","expiresAt":"2026-01-01T01:00:00Z","createdAt":"2026-01-01T00:00:00Z"}"#
            return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reservation)))
        }
        router.post("/reservations/{orderId}/commit") { _, context -> Response in
            let problem = #"{"type":"urn:tradewind:problem:not-found","title":"Not found","status":404,"detail":"no reservation for \#(context.parameters.get("orderId") ?? "")"}"#
            return Response(status: .notFound, headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(string: problem)))
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let stock = ProductStockClient(client: try await Self.serviceClient(["product-service": client.port!]))
            let order = OrderID(rawValue: UUID())
            let reserved = await Self.failure { try await stock.reserve(order, lines: [try Self.line("OUT-TN-2P", 1)]) }
            #expect(reserved == nil)
            let commit = await Self.failure { try await stock.commit(order) }
            if case .permanent(let reason)? = commit { #expect(reason.contains(order.description)) } else { Issue.record("\(String(describing: commit))") }
        }
    }

    @Test func freightBookingMapsTheCargoServicesAnswers() async throws {
        let app = try await CargoService.buildApplication(
            CargoServiceConfiguration(runtime: RuntimeSettings(serviceName: "cargo-service", port: 0, database: .sqliteInMemory)),
            keys: await Self.keys(), logger: Self.logger
        )
        try await app.test(.live) { (client: any TestClientProtocol) async throws in
            let freight = CargoFreightClient(client: try await Self.serviceClient(["cargo-service": client.port!]))
            let order = OrderID(rawValue: UUID())
            let deadline = Date().addingTimeInterval(150 * 86_400)
            let trackingID = try await freight.book(order, from: "CNHKG", to: "SESTO", arrivalDeadline: deadline)
            #expect(!trackingID.isEmpty)
            // Repeated after a crash, the booking finds the cargo it made, already routed.
            #expect(try await freight.book(order, from: "CNHKG", to: "SESTO", arrivalDeadline: deadline) == trackingID)
            #expect(try await Self.cargoItinerary(trackingID, port: client.port!) != nil, "booked and routed in one call")

            // A cargo booked unrouted under the order (by a version that booked and routed in separate calls, stopped
            // between them) is found and routed.
            let interrupted = OrderID(rawValue: UUID())
            let unrouted = try await Self.bookUnrouted(reference: interrupted.description, deadline: deadline, port: client.port!)
            #expect(try await Self.cargoItinerary(unrouted, port: client.port!) == nil)
            #expect(try await freight.book(interrupted, from: "CNHKG", to: "SESTO", arrivalDeadline: deadline) == unrouted)
            #expect(try await Self.cargoItinerary(unrouted, port: client.port!) != nil)
            let nowhere = await Self.failure { _ = try await freight.book(OrderID(rawValue: UUID()), from: "CNHKG", to: "ZZZZZ", arrivalDeadline: deadline) }
            if case .permanent? = nowhere {} else { Issue.record("an unknown destination must be permanent: \(String(describing: nowhere))") }
            let tooSoon = await Self.failure {
                _ = try await freight.book(OrderID(rawValue: UUID()), from: "CNHKG", to: "SESTO", arrivalDeadline: Date().addingTimeInterval(3600))
            }
            if case .permanent(let reason)? = tooSoon {
                #expect(reason.contains("no itinerary reaches SESTO"), "\(reason)")
            } else {
                Issue.record("no route in time must be permanent: \(String(describing: tooSoon))")
            }
        }
        let down = CargoFreightClient(client: try await Self.serviceClient(["cargo-service": Self.closedPort]))
        let unreachable = await Self.failure {
            _ = try await down.book(OrderID(rawValue: UUID()), from: "CNHKG", to: "SESTO", arrivalDeadline: Date().addingTimeInterval(150 * 86_400))
        }
        if case .transient? = unreachable {} else { Issue.record("the cargo service being down must be transient: \(String(describing: unreachable))") }
    }

    /// The checkout advances many orders at once: their freight bookings share requests to the cargo service, and
    /// each order still gets its own cargo, or its own refusal.
    @Test func concurrentFreightBookingsGetTheirOwnCargo() async throws {
        let app = try await CargoService.buildApplication(
            CargoServiceConfiguration(runtime: RuntimeSettings(serviceName: "cargo-service", port: 0, database: .sqliteInMemory)),
            keys: await Self.keys(), logger: Self.logger
        )
        try await app.test(.live) { (client: any TestClientProtocol) async throws in
            let freight = CargoFreightClient(client: try await Self.serviceClient(["cargo-service": client.port!]), maximumBatch: 4)
            let orders = (0..<10).map { _ in OrderID(rawValue: UUID()) }
            let deadline = Date().addingTimeInterval(150 * 86_400)
            // Every third order ships to a place the network does not know.
            func bookAll() async -> [Int: (tracking: String?, failure: StepFailure?)] {
                await withTaskGroup(of: (Int, String?, StepFailure?).self) { group in
                    for (index, order) in orders.enumerated() {
                        group.addTask {
                            let booked = Mutex<String?>(nil)
                            let failure = await Self.failure {
                                let tracking = try await freight.book(order, from: "CNHKG", to: index % 3 == 0 ? "ZZZZZ" : "SESTO", arrivalDeadline: deadline)
                                booked.withLock { $0 = tracking }
                            }
                            return (index, booked.withLock { $0 }, failure)
                        }
                    }
                    var outcomes: [Int: (tracking: String?, failure: StepFailure?)] = [:]
                    for await (index, tracking, failure) in group { outcomes[index] = (tracking, failure) }
                    return outcomes
                }
            }
            let first = await bookAll()
            for index in orders.indices {
                if index % 3 == 0 {
                    if case .permanent(let reason)? = first[index]?.failure { #expect(reason.contains("ZZZZZ"), "\(reason)") } else {
                        Issue.record("order \(index): \(String(describing: first[index]))")
                    }
                } else {
                    #expect(first[index]?.tracking != nil && first[index]?.failure == nil, "order \(index): \(String(describing: first[index]))")
                }
            }
            let booked = orders.indices.compactMap { first[$0]?.tracking }
            #expect(Set(booked).count == booked.count, "one cargo per order")
            // Repeated (a checkout step after a crash), each booking finds its own cargo again.
            let again = await bookAll()
            #expect(orders.indices.map { again[$0]?.tracking } == orders.indices.map { first[$0]?.tracking })
        }
    }

    /// A cargo service without the batch operation (an older version, during a rolling upgrade) is asked once per order.
    @Test func aCargoServiceWithoutBatchesIsAskedOncePerOrder() async throws {
        let router = Router()
        router.post("/cargos") { request, context -> Response in
            struct Asked: Decodable { let reference: String }
            let asked = try await request.decode(as: Asked.self, context: context)
            let problem = #"{"type":"urn:tradewind:problem:validation","title":"Unprocessable","status":422,"detail":"refused \#(asked.reference)"}"#
            return Response(status: .unprocessableContent, headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(string: problem)))
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let freight = CargoFreightClient(client: try await Self.serviceClient(["cargo-service": client.port!]))
            let order = OrderID(rawValue: UUID())
            let refused = await Self.failure { _ = try await freight.book(order, from: "CNHKG", to: "SESTO", arrivalDeadline: Date().addingTimeInterval(86_400)) }
            if case .permanent(let reason)? = refused { #expect(reason == "refused \(order.description)") } else { Issue.record("\(String(describing: refused))") }
        }
    }

    /// A cart service built in-process on a real port, reading the catalog of the product service on `productPort`.
    static func withCart(productPort: Int, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let cart = try await CartService.buildApplication(
            CartServiceConfiguration(
                runtime: RuntimeSettings(serviceName: "cart-service", port: 0, database: .sqliteInMemory),
                staticDiscovery: StaticDiscovery(["product-service": ["http://127.0.0.1:\(productPort)"]])
            ),
            keys: await Self.keys(), logger: Self.logger
        )
        try await cart.test(.live, body)
    }

    static func fill(cartOf customerToken: String, with skus: [String], client: any TestClientProtocol) async throws {
        for (index, sku) in skus.enumerated() {
            let added = try await client.execute(
                uri: "/carts/current/items", method: .post,
                headers: [.authorization: "Bearer \(customerToken)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"sku":"\#(sku)","quantity":\#(index + 1)}"#)
            )
            try #require(added.status == .ok || added.status == .created, "adding \(sku): \(added.status)")
        }
    }

    @Test func theCartIsReadWithEveryLineAndOrdersPlacedTogetherReadTheirOwnCarts() async throws {
        try await withProduct { productPort in
            try await Self.withCart(productPort: productPort) { client in
                let customer = try await Self.token(subject: "customer-7", roles: ["customer"])
                let skus = ["AUD-HP-100", "OUT-TN-2P", "OUT-HL-01"]
                try await Self.fill(cartOf: customer, with: skus, client: client)
                let contents = CartClient(client: try await Self.serviceClient(["cart-service": client.port!], scopes: [Scope.readCarts]))
                let lines = try await contents.lines(ofCustomer: "customer-7", token: customer)
                #expect(lines.map(\.sku).sorted() == skus.sorted(), "every line of the cart, none dropped")
                #expect(lines.first { $0.sku == "OUT-TN-2P" }?.quantity == 2)
                #expect(lines.first { $0.sku == "AUD-HP-100" }?.unitPrice == Money(minorUnits: 12_900, currency: Currency("EUR")!))
                #expect(lines.allSatisfy { $0.available })

                // Customers ordering at the same moment share reads, and each gets their own cart.
                var tokens: [String: String] = [:]
                for number in 1...12 {
                    let token = try await Self.token(subject: "customer-\(100 + number)", roles: ["customer"])
                    try await Self.fill(cartOf: token, with: Array(skus.prefix(number % 3 + 1)), client: client)
                    tokens["customer-\(100 + number)"] = token
                }
                let read = try await withThrowingTaskGroup(of: (String, [CartLineSnapshot]).self) { group in
                    for _ in 1...2 {
                        for (customer, token) in tokens { group.addTask { (customer, try await contents.lines(ofCustomer: customer, token: token)) } }
                    }
                    return try await group.reduce(into: [(String, [CartLineSnapshot])]()) { $0.append($1) }
                }
                #expect(read.count == 24)
                for (customer, lines) in read {
                    let number = Int(customer.dropFirst("customer-".count))! - 100
                    #expect(lines.map(\.sku) == Array(skus.prefix(number % 3 + 1)), "\(customer)")
                }
                #expect(try await contents.lines(ofCustomer: "customer-8", token: "unused").isEmpty, "a customer without a cart has an empty one")

                // A subject the cart service refuses to name (a control character) fails no one else's read.
                let odd = "customer-\u{1}"
                let oddToken = try await Self.token(subject: odd, roles: ["customer"])
                let others = try await withThrowingTaskGroup(of: [String].self) { group in
                    for round in 0..<3 {
                        group.addTask { _ = try? await contents.lines(ofCustomer: odd, token: oddToken); return [] }
                        for (customer, token) in tokens.sorted(by: { $0.key < $1.key }).dropFirst(round * 4).prefix(4) {
                            group.addTask { try await contents.lines(ofCustomer: customer, token: token).map(\.sku) }
                        }
                    }
                    return try await group.reduce(into: [[String]]()) { $0.append($1) }.filter { !$0.isEmpty }
                }
                #expect(others.count == 12)
            }
        }
        let down = CartClient(client: try await Self.serviceClient(["cart-service": Self.closedPort], scopes: [Scope.readCarts]))
        await #expect(throws: OrderError.cartUnavailable) {
            try await down.lines(ofCustomer: "customer-7", token: try await Self.token(subject: "customer-7", roles: ["customer"]))
        }
    }

    /// Without the carts:read scope (an operator who keeps the order service from reading any cart) or without machine
    /// credentials at all, each cart is read with its customer's own token, which then has to be theirs.
    @Test func withoutTheScopeEachCartIsReadOnTheCustomersBehalf() async throws {
        try await withProduct { productPort in
            try await Self.withCart(productPort: productPort) { client in
                let customer = try await Self.token(subject: "customer-7", roles: ["customer"])
                try await Self.fill(cartOf: customer, with: ["AUD-HP-100"], client: client)
                let withoutScope = try await Self.serviceClient(["cart-service": client.port!], scopes: [Scope.reserveStock])
                let withoutCredentials = ServiceClient(discovery: StaticDiscovery(["cart-service": ["http://127.0.0.1:\(client.port!)"]]), logger: Self.logger)
                for serviceClient in [withoutScope, withoutCredentials] {
                    try await Self.readsOnTheCustomersBehalf(CartClient(client: serviceClient), customer: customer)
                }
            }
        }
    }

    static func readsOnTheCustomersBehalf(_ contents: CartClient, customer: String) async throws {
        for _ in 1...2 {
            #expect(try await contents.lines(ofCustomer: "customer-7", token: customer).map(\.sku) == ["AUD-HP-100"])
        }
        let other = try await Self.token(subject: "customer-8", roles: ["customer"])
        #expect(try await contents.lines(ofCustomer: "customer-7", token: other).isEmpty, "the token decides whose cart is read")
        await #expect(throws: OrderError.cartUnavailable) { try await contents.lines(ofCustomer: "customer-7", token: "not-a-token") }
    }
}
