import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// `tradewind up` as a newcomer runs it: real registry, user service and gateway processes, driven through the
/// gateway's public address. Ports are moved by an offset so the test can run beside a developer's own stack.
@Suite(.serialized) struct LocalStackTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func tradewindBinary() -> URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tradewind"),
            repository.appendingPathComponent(".build/debug/tradewind"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// The built `tradewind` executable, or the test fails saying how to build it.
    static func builtTradewind() throws -> URL {
        try #require(tradewindBinary(), "the tradewind executable was not built; run `swift build --build-tests` first")
    }

    final class Output: Sendable {
        private let text = Mutex("")
        func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }

        /// Collects what `process` writes to its standard output and error, from when it runs.
        func collect(from process: Process) {
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            pipe.fileHandleForReading.readabilityHandler = { [self] handle in append(handle.availableData) }
        }
        var value: String { text.withLock { $0 } }

        func waitFor(_ needle: String, within limit: Duration) async throws -> Bool {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if value.contains(needle) { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return value.contains(needle)
        }
    }

    struct Call {
        let status: Int
        let body: String
        var headers: HTTPHeaders = [:]
    }

    static func call(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: String? = nil) async throws -> Call {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Call(status: Int(response.status.code), body: String(buffer: try await response.body.collect(upTo: 1 << 20)), headers: response.headers)
    }

    /// `tradewind up` as a child process in a scratch directory, on ports moved by `offset`, its output collected.
    /// Killed (if still running) and its directory removed when the test lets go of it.
    final class LocalStack {
        /// A port offset for one test's stack: its own band of 3,000 (so tests never share ports), varied by process
        /// (so a stale stack of an earlier run is not in the way), and every port (8080–8500 plus the offset) below
        /// 32768, where the kernel's ephemeral ports start: an outgoing connection elsewhere in the test run can
        /// never hold one of them.
        static func offset(band: Int) -> Int {
            precondition((0..<5).contains(band))
            return 10_000 + band * 3_000 + Int(ProcessInfo.processInfo.processIdentifier % 2_000)
        }

        let process = Process()
        let output = Output()
        let folder: URL
        let gateway: String

        init(binary: URL, offset: Int, environment extra: [String: String]) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-e2e-\(UUID().uuidString)")
            gateway = "http://127.0.0.1:\(8080 + offset)"
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            process.executableURL = binary
            process.arguments = ["up", "--port-offset", String(offset), "--ready-timeout", "60"]
            process.currentDirectoryURL = folder
            var environment = ProcessInfo.processInfo.environment
            for variable in ["REGISTRY_TOKEN", "REGISTRY_SECRET", "DATABASE_URL", "ADMIN_EMAIL", "ADMIN_PASSWORD", "NIO_SINGLETON_GROUP_LOOP_COUNT"] { environment.removeValue(forKey: variable) }
            environment["GATEWAY_ROUTES_FILE"] = LocalStackTests.repository.appendingPathComponent("Services/Gateway/routes.json").path
            environment["BCRYPT_COST"] = "4"
            environment["LOG_LEVEL"] = "warning"
            process.environment = environment.merging(extra) { $1 }
            output.collect(from: process)
            try process.run()
        }

        /// The pid `up` printed for a service in its status table.
        func pid(of service: String) -> Int32? {
            output.value.split(separator: "\n").first { $0.hasPrefix(service + " ") }
                .flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first }.flatMap { Int32($0) }
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: folder)
        }
    }

    @Test func upStartsTheStackAndAUserSignsUpThroughTheGateway() async throws {
        let binary = try Self.builtTradewind()
        let offset = LocalStack.offset(band: 0)
        // This stack exports its spans to the test, so that one checkout can be followed across the services.
        let spans = SpanReceiver()
        defer { spans.stop() }
        let tracing = ["OTEL_EXPORTER_OTLP_ENDPOINT": try await spans.start(), "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "200"]
        let stack = try LocalStack(binary: binary, offset: offset, environment: [
            "ADMIN_EMAIL": "admin@example.com", "ADMIN_PASSWORD": "e2e admin password",
        ].merging(tracing) { $1 })
        let gateway = stack.gateway, output = stack.output, process = stack.process
        let ready = try await output.waitFor("stack ready in", within: .seconds(120))
        try #require(ready, "the stack did not come up:\n\(output.value)")
        for name in ["registry", "user", "product", "cart", "cargo", "order", "gateway"] {
            #expect(output.value.split(separator: "\n").contains { $0.hasPrefix(name + " ") }, "no status row for \(name)")
        }

        let email = "ada-\(offset)@example.com", password = "correct horse battery staple"
        let registered = try await Self.call(.POST, "\(gateway)/api/users", headers: [("content-type", "application/json")],
                                             body: #"{"email":"\#(email)","password":"\#(password)","displayName":"Ada"}"#)
        #expect(registered.status == 201, "\(registered.body)")
        let granted = try await Self.call(.POST, "\(gateway)/api/oauth/token", headers: [("content-type", "application/x-www-form-urlencoded")],
                                          body: "grant_type=password&username=\(email)&password=\(password.replacingOccurrences(of: " ", with: "+"))")
        try #require(granted.status == 200, "\(granted.body)")
        let token = try #require((try JSONSerialization.jsonObject(with: Data(granted.body.utf8)) as? [String: Any])?["access_token"] as? String)
        let me = try await Self.call(.GET, "\(gateway)/api/users/me", headers: [("authorization", "Bearer \(token)")])
        #expect(me.status == 200)
        #expect(me.body.contains(email))
        #expect(try await Self.call(.GET, "\(gateway)/api/users/me").status == 401)

        // The sample catalog is browsable through the gateway without a token.
        let audio = try await Self.call(.GET, "\(gateway)/api/products?category=audio&sort=price")
        #expect(audio.status == 200)
        #expect(audio.body.contains("AUD-HP-100"))
        let stock = try await Self.call(.GET, "\(gateway)/api/inventory/AUD-HP-100")
        #expect(stock.body.contains(#""available":40"#) || stock.body.contains(#""available" : 40"#))
        // Reservations are for services and administrators: a customer's token is refused at the edge.
        let reserve = try await Self.call(.POST, "\(gateway)/api/reservations", headers: [("authorization", "Bearer \(token)"), ("content-type", "application/json")],
                                          body: #"{"orderId":"\#(UUID().uuidString)","lines":[{"sku":"AUD-HP-100","quantity":1}]}"#)
        #expect(reserve.status == 403)

        // Browse → add to cart → an administrator changes the price → the cart shows it within a second (the cart
        // service uses the catalog's answer about a product for up to `CATALOG_MAX_AGE_MILLISECONDS`).
        let cartHeaders = [("authorization", "Bearer \(token)"), ("content-type", "application/json")]
        let added = try await Self.call(.POST, "\(gateway)/api/carts/current/items", headers: cartHeaders, body: #"{"sku":"AUD-HP-100","quantity":2}"#)
        #expect(added.status == 200, "\(added.body)")
        let admin = try await Self.call(.POST, "\(gateway)/api/oauth/token", headers: [("content-type", "application/x-www-form-urlencoded")],
                                        body: "grant_type=password&username=admin@example.com&password=e2e+admin+password")
        let adminToken = try #require((try JSONSerialization.jsonObject(with: Data(admin.body.utf8)) as? [String: Any])?["access_token"] as? String)
        let product = try await Self.call(.GET, "\(gateway)/api/products/by-sku/AUD-HP-100")
        let productObject = try #require(try JSONSerialization.jsonObject(with: Data(product.body.utf8)) as? [String: Any])
        let productID = try #require(productObject["id"] as? String), version = try #require(productObject["version"] as? Int)
        let categoryID = try #require(productObject["categoryId"] as? String)
        let repriced = try await Self.call(
            .PUT, "\(gateway)/api/products/\(productID)",
            headers: [("authorization", "Bearer \(adminToken)"), ("content-type", "application/json"), ("if-match", "\"\(version)\"")],
            body: #"{"name":"Over-ear headphones","price":{"amount":9900,"currency":"EUR"},"categoryId":"\#(categoryID)","active":true}"#
        )
        #expect(repriced.status == 200, "\(repriced.body)")
        let repricedAt = ContinuousClock.now
        var cartObject: [String: Any] = [:]
        for _ in 0..<80 {
            let cart = try await Self.call(.GET, "\(gateway)/api/carts/current", headers: cartHeaders)
            cartObject = try #require(try JSONSerialization.jsonObject(with: Data(cart.body.utf8)) as? [String: Any])
            if cartObject["priceChanges"] as? Int == 1 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(cartObject["priceChanges"] as? Int == 1)
        #expect((cartObject["total"] as? [String: Any])?["amount"] as? Int == 19800)
        // A second of age plus a loaded machine's request times; far below the setting's largest value (60 s).
        #expect(ContinuousClock.now - repricedAt < .seconds(3), "the new price took much longer than the catalog answers' maximum age")

        let trace = try await checkout(gateway: gateway, customerToken: token, adminToken: adminToken)
        try await expectOneTrace(trace, in: spans)
        try await cargoLifecycle(gateway: gateway, adminToken: adminToken)

        // A crashed user service is restarted by `up`, registers again, and the gateway finds it.
        let pid = try #require(stack.pid(of: "user"))
        kill(pid, SIGKILL)
        #expect(try await output.waitFor("exited with status", within: .seconds(10)))
        var recovered = false
        for _ in 0..<60 where !recovered {
            try await Task.sleep(for: .milliseconds(500))
            recovered = (try? await Self.call(.GET, "\(gateway)/api/users/me", headers: [("authorization", "Bearer \(token)")]).status) == 200
        }
        #expect(recovered, "the user service did not come back behind the gateway:\n\(output.value.suffix(3000))")

        // A terminal's Ctrl-C reaches every process of the stack; the services leave it to `up`, which stops them in
        // order: the registry last, so that each deregisters and ends its watches while the registry answers.
        let registry = "http://127.0.0.1:\(8500 + offset)/health/ready"
        for service in ["registry", "order"] { kill(try #require(stack.pid(of: service)), SIGINT) }
        try await Task.sleep(for: .seconds(1))
        #expect(try await Self.call(.GET, registry).status == 200, "the registry stopped on a Ctrl-C meant for up")
        #expect(output.value.components(separatedBy: "exited with status").count == 2, "only the killed user service exited:\n\(output.value.suffix(3000))")
        let beforeStop = output.value.count
        kill(process.processIdentifier, SIGINT)
        #expect(try await output.waitFor("stopped", within: .seconds(20)))
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning)
        #expect((try? await Self.call(.GET, "\(gateway)/health/live")) == nil, "the gateway still answers after Ctrl-C")
        // The stack logs warnings and worse here: an orderly stop has none to tell.
        let stopping = output.value.dropFirst(beforeStop).split(separator: "\n").filter { !["stopping…", "stopped"].contains($0) }
        #expect(stopping.isEmpty, "\(stopping.joined(separator: "\n").suffix(3000))")
    }

    /// The cargo scenario through the gateway: book Hongkong → Stockholm, route, receive, load, unload where the
    /// plan does not say (misdirected), reroute from there, follow the new plan, claim; the public tracking view
    /// (no token) after every step.
    func cargoLifecycle(gateway: String, adminToken: String) async throws {
        let admin = [("authorization", "Bearer \(adminToken)"), ("content-type", "application/json")]
        func json(_ call: Call) throws -> [String: Any] { try JSONSerialization.jsonObject(with: Data(call.body.utf8)) as? [String: Any] ?? [:] }
        func now() -> String { Date().formatted(Date.ISO8601FormatStyle()) }
        func report(_ id: String, _ type: String, _ location: String, _ voyage: String? = nil) async throws -> [String: Any] {
            let voyageField = voyage.map { #","voyage":"\#($0)""# } ?? ""
            let call = try await Self.call(.POST, "\(gateway)/api/handling/events", headers: admin,
                                           body: #"{"completionTime":"\#(now())","trackingId":"\#(id)","eventType":"\#(type)","location":"\#(location)"\#(voyageField)}"#)
            #expect(call.status == 201, "\(type) at \(location): \(call.body)")
            let tracked = try await Self.call(.GET, "\(gateway)/api/tracking/\(id)")
            #expect(tracked.status == 200)
            return try json(tracked)
        }
        func assignFirstRoute(_ id: String) async throws -> [[String: Any]] {
            let routes = try json(try await Self.call(.GET, "\(gateway)/api/cargos/\(id)/routes", headers: admin))
            let plan = try #require((routes["items"] as? [[String: Any]])?.first, "no route for \(id)")
            let assigned = try await Self.call(.PUT, "\(gateway)/api/cargos/\(id)/itinerary", headers: admin,
                                               body: String(decoding: try JSONSerialization.data(withJSONObject: plan), as: UTF8.self))
            #expect(assigned.status == 200)
            #expect((try json(assigned)["delivery"] as? [String: Any])?["routingStatus"] as? String == "ROUTED")
            return try #require(plan["legs"] as? [[String: Any]])
        }

        let deadline = Date().addingTimeInterval(150 * 86_400).formatted(Date.ISO8601FormatStyle())
        let booked = try await Self.call(.POST, "\(gateway)/api/cargos", headers: admin,
                                         body: #"{"origin":"CNHKG","destination":"SESTO","arrivalDeadline":"\#(deadline)"}"#)
        #expect(booked.status == 201, "\(booked.body)")
        let id = try #require(try json(booked)["trackingId"] as? String)
        #expect(try await Self.call(.GET, "\(gateway)/api/cargos/\(id)").status == 401, "booking data is not public")
        let legs = try await assignFirstRoute(id)
        let firstVoyage = try #require(legs[0]["voyage"] as? String), firstUnload = try #require(legs[0]["unloadLocation"] as? String)

        var view = try await report(id, "RECEIVE", "CNHKG")
        #expect(view["statusText"] as? String == "In port Hongkong")
        view = try await report(id, "LOAD", "CNHKG", firstVoyage)
        #expect(view["statusText"] as? String == "Onboard voyage \(firstVoyage)")
        #expect((view["nextExpectedActivity"] as? String)?.contains("unload") == true)
        let wrongPort = firstUnload == "AUMEL" ? "CNHGH" : "AUMEL"
        view = try await report(id, "UNLOAD", wrongPort, firstVoyage)
        #expect(view["misdirected"] as? Bool == true)
        #expect(view["nextExpectedActivity"] == nil)
        #expect(view["estimatedTimeOfArrival"] == nil)

        let rerouted = try await Self.call(.POST, "\(gateway)/api/cargos/\(id)/reroute", headers: admin)
        #expect((try json(rerouted)["delivery"] as? [String: Any])?["routingStatus"] as? String == "MISROUTED")
        let newLegs = try await assignFirstRoute(id)
        view = try json(try await Self.call(.GET, "\(gateway)/api/tracking/\(id)"))
        #expect(view["misdirected"] as? Bool == false)
        #expect(view["estimatedTimeOfArrival"] != nil)
        for leg in newLegs {
            let voyage = try #require(leg["voyage"] as? String)
            view = try await report(id, "LOAD", try #require(leg["loadLocation"] as? String), voyage)
            #expect(view["statusText"] as? String == "Onboard voyage \(voyage)")
            view = try await report(id, "UNLOAD", try #require(leg["unloadLocation"] as? String), voyage)
            #expect(view["misdirected"] as? Bool == false)
        }
        #expect((view["nextExpectedActivity"] as? String)?.contains("claim cargo in Stockholm") == true)
        view = try await report(id, "CLAIM", "SESTO")
        #expect(view["statusText"] as? String == "Claimed")
        #expect(view["nextExpectedActivity"] == nil)
    }

    /// The cart becomes an order through the gateway; the checkout reserves stock, books and routes freight and ships
    /// in the background; the cart is emptied by the OrderPlaced event; cargo events move the order in transit.
    /// Returns the id of the trace the order was placed in.
    func checkout(gateway: String, customerToken: String, adminToken: String) async throws -> String {
        func json(_ call: Call) throws -> [String: Any] { try JSONSerialization.jsonObject(with: Data(call.body.utf8)) as? [String: Any] ?? [:] }
        let customer = [("authorization", "Bearer \(customerToken)"), ("content-type", "application/json")]
        let body = #"{"shippingAddress":{"name":"Ada","street":"Storgatan 1","city":"Stockholm","postalCode":"111 22","country":"SE","destination":"SESTO"}}"#
        // The shopper's own trace context: the stack continues this trace.
        let trace = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let placed = try await Self.call(.POST, "\(gateway)/api/orders",
                                         headers: customer + [("idempotency-key", "e2e-order-1"), ("traceparent", "00-\(trace)-00f067aa0ba902b7-01")], body: body)
        #expect(placed.status == 201, "\(placed.body)")
        let id = try #require(try json(placed)["id"] as? String)
        let again = try await Self.call(.POST, "\(gateway)/api/orders", headers: customer + [("idempotency-key", "e2e-order-1")], body: body)
        let againID = try json(again)["id"] as? String
        #expect(again.status == 200 && againID == id, "a retried order is the same order")

        var order: [String: Any] = [:]
        for _ in 0..<100 where order["status"] as? String != "shipped" {
            try await Task.sleep(for: .milliseconds(200))
            order = try json(try await Self.call(.GET, "\(gateway)/api/orders/\(id)", headers: customer))
        }
        #expect(order["status"] as? String == "shipped", "\(order)")
        let tracking = try #require((order["freight"] as? [String: Any])?["trackingId"] as? String)
        let stock = try json(try await Self.call(.GET, "\(gateway)/api/inventory/AUD-HP-100"))
        #expect(stock["onHand"] as? Int == 38 && stock["reserved"] as? Int == 0, "two units left the warehouse: \(stock)")

        var itemCount = -1
        for _ in 0..<50 where itemCount != 0 {
            itemCount = try json(try await Self.call(.GET, "\(gateway)/api/carts/current", headers: customer))["itemCount"] as? Int ?? -1
            if itemCount != 0 { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(itemCount == 0, "the cart is emptied once the order is placed")

        let shippedTag = try #require(try await Self.call(.GET, "\(gateway)/api/orders/\(id)", headers: customer).headers.first(name: "etag"))
        let unchanged = try await Self.call(.GET, "\(gateway)/api/orders/\(id)", headers: customer + [("if-none-match", shippedTag)])
        #expect(unchanged.status == 304 && unchanged.body.isEmpty, "an order still at the version the reader has: \(unchanged.status) \(unchanged.body)")

        let admin = [("authorization", "Bearer \(adminToken)"), ("content-type", "application/json")]
        let cargo = try json(try await Self.call(.GET, "\(gateway)/api/cargos/\(tracking)", headers: admin))
        let firstLeg = try #require(((cargo["itinerary"] as? [String: Any])?["legs"] as? [[String: Any]])?.first)
        let now = Date().formatted(Date.ISO8601FormatStyle())
        for report in [#"{"completionTime":"\#(now)","trackingId":"\#(tracking)","eventType":"RECEIVE","location":"CNHKG"}"#,
                       #"{"completionTime":"\#(now)","trackingId":"\#(tracking)","eventType":"LOAD","location":"CNHKG","voyage":"\#(firstLeg["voyage"] as? String ?? "")"}"#] {
            #expect(try await Self.call(.POST, "\(gateway)/api/handling/events", headers: admin, body: report).status == 201)
        }
        // Followed without polling: each read is held until the order changes (or answers 304 after 5 s).
        var seen = shippedTag
        for _ in 0..<10 where order["status"] as? String != "inTransit" {
            let read = try await Self.call(.GET, "\(gateway)/api/orders/\(id)", headers: customer + [("if-none-match", seen), ("prefer", "wait=5")])
            #expect(read.status == 200 || read.status == 304, "\(read.status) \(read.body)")
            guard read.status == 200 else { continue }
            order = try json(read)
            let next = try #require(read.headers.first(name: "etag"))
            #expect(next != seen, "a changed order has a new ETag")
            seen = next
        }
        #expect(order["status"] as? String == "inTransit", "cargo events reach the order: \(order)")
        return trace
    }

    /// One checkout is one trace: the gateway's request, the order service placing the order, the checkout steps
    /// run later from the persisted process (stock reserved in the product service, freight booked in the cargo
    /// service), and the OrderPlaced event delivered from the outbox to the cart service.
    func expectOneTrace(_ trace: String, in receiver: SpanReceiver) async throws {
        let expected: Set<String> = ["gateway", "order-service", "product-service", "cargo-service", "cart-service"]
        let steps: Set<String> = ["checkout", "POST product-service", "POST cargo-service", "deliver OrderPlaced", "consume OrderPlaced"]
        var spans: [SpanReceiver.ReceivedSpan] = []
        for _ in 0..<50 {
            spans = receiver.spans(inTrace: trace)
            if expected.isSubset(of: Set(spans.map(\.service))), steps.isSubset(of: Set(spans.map(\.name))) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        // Parents end after their children: give the last of them one more export round.
        try await Task.sleep(for: .seconds(1))
        spans = receiver.spans(inTrace: trace)
        let summary = spans.map { "\($0.service): \($0.name)" }.sorted().joined(separator: "\n")
        #expect(expected.isSubset(of: Set(spans.map(\.service))), "services in the trace:\n\(summary)\nspans received by service: \(receiver.services)")
        #expect(steps.isSubset(of: Set(spans.map(\.name))), "spans in the trace:\n\(summary)")
        #expect(spans.contains { $0.service == "order-service" && $0.name == "db transaction" }, "SQL work is traced")
        #expect(spans.contains { $0.service == "cargo-service" && $0.name == "/booking-batches" }, "the freight booking is in the trace")
        // A lone order's reservation and commit go out as batches of one, sent from its own checkout.
        #expect(spans.contains { $0.service == "product-service" && $0.name == "/reservation-batches" }, "the stock reservation is in the trace")
        #expect(spans.contains { $0.service == "product-service" && $0.name == "/commit-batches" }, "the stock commit is in the trace")
        // Every span but the shopper's own root hangs off another span of the same trace.
        let ids = Set(spans.map(\.spanID)).union(["00f067aa0ba902b7"])
        let orphans = spans.filter { $0.parentSpanID.map { !ids.contains($0) } ?? true }
        #expect(orphans.isEmpty, "spans whose parent is not in the trace: \(orphans.map { "\($0.service): \($0.name)" })")
    }

    /// Orders placed while the order, product and cargo services are each killed with SIGKILL once: `up` restarts
    /// them, retried requests reuse their idempotency keys, and every accepted order ends shipped with exactly its
    /// units taken from stock and nothing left reserved.
    /// What a newcomer sees after the start table: nothing while the stack idles (heartbeats every few seconds,
    /// health probes and discovery queries log at debug), then one line per hop of a request.
    @Test func anIdleStackPrintsNothingAndARequestPrintsOneLinePerHop() async throws {
        let binary = try Self.builtTradewind()
        let offset = LocalStack.offset(band: 1)
        // No LOG_LEVEL (empty counts as unset): info by default, and the registry's log.level setting applies.
        let stack = try LocalStack(binary: binary, offset: offset, environment: ["LOG_LEVEL": ""])
        let output = stack.output
        try #require(try await output.waitFor("Press Ctrl-C to stop.", within: .seconds(120)), "the stack did not come up:\n\(output.value)")
        let started = output.value.count
        // Eight processes share the machine's cores: `up` runs each on one event loop.
        for service in ["gateway", "order", "product"] {
            let pid = try #require(stack.pid(of: service))
            let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
            let loops = tasks.filter { task in
                ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? "").hasPrefix("NIO-SGLTN-")
            }
            #expect(loops.count == 1, "\(service) runs \(loops.count) event loops")
        }
        // Long enough for three heartbeats of every service (TTL 10 s, one every 3.3 s) and the registry's sweeps.
        try await Task.sleep(for: .seconds(12))
        let idle = String(output.value.dropFirst(started))
        #expect(idle.isEmpty, "an idle stack printed:\n\(idle.prefix(3000))")

        let products = try await Self.call(.GET, "\(stack.gateway)/api/products?category=audio")
        #expect(products.status == 200)
        #expect(try await output.waitFor("route=/products", within: .seconds(5)))
        try await Task.sleep(for: .milliseconds(500))
        let lines = output.value.dropFirst(started).split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("[gateway]") }.count == 1, "\(lines)")
        #expect(lines.filter { $0.hasPrefix("[product]") }.count == 1, "\(lines)")
        #expect(!output.value.contains("route=/v1/agent/check") && !output.value.contains("route=/health"), "routine requests were logged at info")

        // The log level of one running service, changed through `tradewind config` and the registry: no restart.
        let product = "http://127.0.0.1:\(8082 + offset)/health/live"
        func config(_ arguments: String...) throws -> Int32 {
            let command = Process()
            command.executableURL = binary
            command.arguments = ["config"] + arguments + ["--registry", "http://127.0.0.1:\(8500 + offset)"]
            command.currentDirectoryURL = stack.folder
            // The operator's token comes from the stack's own secret in its folder.
            command.environment = ProcessInfo.processInfo.environment.filter { !["REGISTRY_TOKEN", "REGISTRY_SECRET"].contains($0.key) }
            command.standardOutput = FileHandle.nullDevice
            try command.run()
            command.waitUntilExit()
            return command.terminationStatus
        }
        let before = output.value.count
        #expect(try config("set", "product-service/log.level", "debug") == 0)
        let changedAt = ContinuousClock.now
        #expect(try await output.waitFor("log level changed", within: .seconds(1)), "debug was not applied within a second:\n\(output.value.dropFirst(before))")
        #expect(ContinuousClock.now - changedAt < .seconds(1))
        #expect(try await Self.call(.GET, product).status == 200)
        #expect(try await output.waitFor("route=/health/live", within: .seconds(2)), "a routine request is logged at debug")
        let debugLines = output.value.dropFirst(before).split(separator: "\n").filter { $0.contains("route=/health/live") }
        #expect(!debugLines.isEmpty && debugLines.allSatisfy { $0.hasPrefix("[product]") }, "only the product service changed: \(debugLines)")
        // A value that is not a level is refused by the registry when written.
        #expect(try config("set", "product-service/log.level", "loudest") != 0)
        // Removed: back to the level it started with, and routine requests are quiet again.
        #expect(try config("delete", "product-service/log.level") == 0)
        #expect(try await output.waitFor("log level back to the start's", within: .seconds(2)))
        let quiet = output.value.count
        #expect(try await Self.call(.GET, product).status == 200)
        try await Task.sleep(for: .milliseconds(500))
        #expect(!output.value.dropFirst(quiet).contains("route=/health/live"))

        // Maintenance for every service at once, through the shared folder: writes are refused, reads go on.
        // Each service follows the setting on its own watch: the first "maintenance on" in the output may be another
        // service's, so the user service is asked until it answers, within two seconds, with a sign-up it refuses
        // either way (400 without maintenance), so that no attempt creates the user early.
        let signUp = #"{"email":"maintenance@example.com","password":"maintenance password 1","displayName":"M"}"#
        func userServiceAnswer(within limit: Duration, until done: (Call) -> Bool) async throws -> Call {
            let deadline = ContinuousClock.now + limit
            while true {
                let answer = try await Self.call(.POST, "\(stack.gateway)/api/users", headers: [("content-type", "application/json")], body: "{}")
                if done(answer) || ContinuousClock.now > deadline { return answer }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(try config("set", "shared/maintenance", "on") == 0)
        #expect(try await output.waitFor("maintenance on", within: .seconds(2)))
        let refused = try await userServiceAnswer(within: .seconds(2)) { $0.status == 503 }
        #expect(refused.status == 503 && refused.body.contains("maintenance"), "\(refused.status) \(refused.body.prefix(300))")
        #expect(try await Self.call(.GET, "\(stack.gateway)/api/products?category=audio").status == 200)
        #expect(try config("delete", "shared/maintenance") == 0)
        #expect(try await output.waitFor("maintenance off", within: .seconds(2)))
        #expect(try await userServiceAnswer(within: .seconds(2)) { $0.status != 503 }.status == 400)
        #expect(try await Self.call(.POST, "\(stack.gateway)/api/users", headers: [("content-type", "application/json")], body: signUp).status == 201)

        // A gateway rate limit, put on a route and then raised through `tradewind config set`: no restart.
        let locations = "\(stack.gateway)/api/locations"
        #expect(try await Self.call(.GET, locations).headers.first(name: "RateLimit-Limit") == nil)
        #expect(try config("set", "gateway/route.locations.rateLimit.perSecond", "0.01") == 0)
        #expect(try await output.waitFor("routes changed", within: .seconds(1)))
        var limited = false
        for _ in 0..<5 where !limited { limited = try await Self.call(.GET, locations).status == 429 }
        #expect(limited, "a limit of one request was not applied")
        #expect(try config("set", "gateway/route.locations.rateLimit.burst", "50") == 0)
        let raisedAt = ContinuousClock.now
        var raised: Call?
        while ContinuousClock.now - raisedAt < .seconds(1) {
            let call = try await Self.call(.GET, locations)
            if call.status == 200, call.headers.first(name: "RateLimit-Limit") == "50" {
                raised = call
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(raised != nil, "the raised limit did not apply within a second")
        // A value of the wrong form is refused by the registry; one only the gateway can judge (two routes of one
        // name) is ignored by the gateway, which keeps the routes in force.
        #expect(try config("set", "gateway/route.locations.timeoutMs", "never") != 0)
        let clash = #"{"routes": [{"name": "x", "prefix": "/api/x", "service": "s", "access": "public"}, {"name": "x", "prefix": "/api/y", "service": "s", "access": "public"}]}"#
        #expect(try config("set", "gateway/routes", clash) == 0)
        #expect(try await output.waitFor("route settings are not valid", within: .seconds(2)))
        #expect(try await Self.call(.GET, locations).headers.first(name: "RateLimit-Limit") == "50", "the last good routes stay")
        #expect(try config("delete", "gateway/routes") == 0)
        for setting in ["rateLimit.burst", "rateLimit.perSecond"] {
            #expect(try config("delete", "gateway/route.locations.\(setting)") == 0)
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await Self.call(.GET, locations).headers.first(name: "RateLimit-Limit") == nil, "back to the file's routes")
        kill(stack.process.processIdentifier, SIGINT)
        #expect(try await output.waitFor("stopped", within: .seconds(20)))
    }

    @Test func checkoutSurvivesKilledServices() async throws {
        let binary = try Self.builtTradewind()
        let stack = try LocalStack(binary: binary, offset: LocalStack.offset(band: 2), environment: [:])
        let gateway = stack.gateway, output = stack.output, process = stack.process
        try #require(try await output.waitFor("stack ready in", within: .seconds(120)), "the stack did not come up:\n\(output.value)")
        func json(_ call: Call) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(call.body.utf8)) as? [String: Any]) ?? [:] }
        /// Retries through restarts, for at most `seconds`.
        func persist(_ seconds: Int, _ attempt: () async throws -> Call?) async throws -> Call? {
            for _ in 0..<(seconds * 5) {
                if let call = try? await attempt(), call.status < 500 { return call }
                try await Task.sleep(for: .milliseconds(200))
            }
            return nil
        }

        _ = try await Self.call(.POST, "\(gateway)/api/users", headers: [("content-type", "application/json")],
                                body: #"{"email":"crash@example.com","password":"correct horse battery staple","displayName":"Crash"}"#)
        let signIn = try await Self.call(.POST, "\(gateway)/api/oauth/token", headers: [("content-type", "application/x-www-form-urlencoded")],
                                         body: "grant_type=password&username=crash@example.com&password=correct+horse+battery+staple")
        let token = try #require(json(signIn)["access_token"] as? String)
        let customer = [("authorization", "Bearer \(token)"), ("content-type", "application/json")]
        let before = json(try await Self.call(.GET, "\(gateway)/api/inventory/KIT-KT-17"))["onHand"] as? Int ?? -1
        let body = #"{"shippingAddress":{"name":"Crash","street":"Storgatan 1","city":"Stockholm","postalCode":"111 22","country":"SE","destination":"SESTO"}}"#

        var orderIDs: [String] = []
        let victims = [1: "order", 3: "product", 4: "cargo"]
        for round in 0..<6 {
            // The previous order's OrderPlaced empties the cart; wait for it before filling the cart again.
            _ = try await persist(20) {
                let cart = try await Self.call(.GET, "\(gateway)/api/carts/current", headers: customer)
                return json(cart)["itemCount"] as? Int == 0 ? cart : nil
            }
            let added = try await persist(20) {
                try await Self.call(.POST, "\(gateway)/api/carts/current/items", headers: customer, body: #"{"sku":"KIT-KT-17","quantity":1}"#)
            }
            #expect(added?.status == 200, "round \(round): \(added?.body ?? "no answer")")
            if let victim = victims[round], let target = stack.pid(of: victim) { kill(target, SIGKILL) }
            let placed = try await persist(30) {
                try await Self.call(.POST, "\(gateway)/api/orders", headers: customer + [("idempotency-key", "crash-\(round)")], body: body)
            }
            #expect(placed.map { [200, 201].contains($0.status) } == true, "round \(round): \(placed?.body ?? "no answer")")
            if let id = placed.flatMap({ json($0)["id"] as? String }) { orderIDs.append(id) }
        }
        #expect(orderIDs.count == 6)
        #expect(Set(orderIDs).count == orderIDs.count)

        // Every process has been restarted by now; within 10 s of the last order every checkout must have ended.
        // Polled gently: the gateway's per-customer rate limit applies to the test too.
        let converging = ContinuousClock.now
        var statuses: [String: String] = [:]
        while ContinuousClock.now - converging < .seconds(10), statuses.count < orderIDs.count || statuses.values.contains(where: { $0 != "shipped" }) {
            for id in orderIDs where statuses[id] != "shipped" {
                let answer = try? await Self.call(.GET, "\(gateway)/api/orders/\(id)", headers: customer)
                statuses[id] = answer.map { json($0)["status"] as? String ?? "?" } ?? "?"
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        let converged = ContinuousClock.now - converging
        #expect(orderIDs.allSatisfy { statuses[$0] == "shipped" }, "after \(converged): \(statuses)\n\(output.value.suffix(4000))")
        let stock = json(try await Self.call(.GET, "\(gateway)/api/inventory/KIT-KT-17"))
        #expect(stock["onHand"] as? Int == before - orderIDs.count, "\(stock)")
        #expect(stock["reserved"] as? Int == 0, "nothing is left reserved: \(stock)")
        kill(process.processIdentifier, SIGINT)
        _ = try await output.waitFor("stopped", within: .seconds(20))
    }

    @Test func ctrlCWhileAServiceCannotStartStopsTheStackAtOnce() async throws {
        let binary = try Self.builtTradewind()
        let offset = LocalStack.offset(band: 4)
        // The gateway exits at start (no routes file), so the stack waits for it and never prints its summary.
        let stack = try LocalStack(binary: binary, offset: offset, environment: ["GATEWAY_ROUTES_FILE": "/nonexistent/routes.json"])
        #expect(try await stack.output.waitFor("[gateway]", within: .seconds(60)), "\(stack.output.value.suffix(2000))")
        #expect(try await stack.output.waitFor("restarting in", within: .seconds(10)), "\(stack.output.value.suffix(2000))")
        kill(stack.process.processIdentifier, SIGINT)
        let interrupted = ContinuousClock.now
        #expect(try await stack.output.waitFor("stopped", within: .seconds(15)), "\(stack.output.value.suffix(2000))")
        #expect(ContinuousClock.now - interrupted < .seconds(15), "not the 60 s readiness timeout")
        for _ in 0..<50 where stack.process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!stack.process.isRunning)
        #expect(stack.process.terminationStatus == 0, "an interruption is not a failure")
        let registry = try? await Self.call(.GET, "http://127.0.0.1:\(8500 + offset)/health/ready")
        #expect(registry == nil, "the registry it had started is stopped too")
    }

    @Test func servicesStopWhenUpIsKilled() async throws {
        let binary = try Self.builtTradewind()
        let offset = LocalStack.offset(band: 4)
        let stack = try LocalStack(binary: binary, offset: offset, environment: [:])
        try #require(try await stack.output.waitFor("Press Ctrl-C to stop.", within: .seconds(120)), "the stack did not come up:\n\(stack.output.value)")
        let services = ["registry", "user", "product", "cart", "cargo", "order", "storefront", "gateway"]
        let pids = services.compactMap { stack.pid(of: $0) }
        #expect(pids.count == services.count, "\(stack.output.value.suffix(2000))")
        // No Ctrl-C, no SIGTERM: `up` is gone at once, as after a crash or the OOM killer.
        kill(stack.process.processIdentifier, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(15)
        var running = pids
        while !running.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            running = running.filter { pid in
                // Gone, or a zombie waiting for whoever inherited it to reap it: either way it serves nothing.
                let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
                return state != nil && state != "Z"
            }
        }
        #expect(running.isEmpty, "still running after up was killed: \(running)")
        let registry = try? await Self.call(.GET, "http://127.0.0.1:\(8500 + offset)/health/ready")
        #expect(registry == nil, "the registry's port is free for the next up")
    }
}
