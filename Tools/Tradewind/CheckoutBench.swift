import ArgumentParser
import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import Synchronization

/// `tradewind bench checkout`: orders placed through the gateway of a running stack, as customers place them. It
/// prepares its own data (a product with ample stock, created with an administrator's token; customers registered
/// at the user service), then runs a closed loop (each customer orders, follows the order until it ships, and
/// orders again) or an open loop (orders sent at a fixed rate whatever the answers take, each latency counted from
/// its scheduled send, so that a stalled server cannot hide its backlog). It prints orders/s, the latency of
/// `POST /orders` and from the answer to `confirmed` and `shipped`, the outbox's delivery lag, and the CPU seconds
/// each process of the stack used (from `/proc`), as a cost per order; and, as the baseline measured in the same
/// run, a plain read through the same gateway.
struct CheckoutBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout",
        abstract: "Place orders through a running stack's gateway; print throughput, latencies and CPU per order per process.",
        discussion: """
        Start the stack first, in release mode, with cheap password hashing and a password-work budget that lets one
        address register the benchmark's customers, and make an administrator (the benchmark creates its product and
        stock with that account):
          swift build -c release --product tradewind
          PASSWORD_WORK_PER_SECOND=10000 PASSWORD_WORK_BURST=10000 BCRYPT_COST=4 .build/release/tradewind up   # --postgres URL: on PostgreSQL
          ADMIN_PASSWORD='…' .build/release/tradewind user create-admin --email admin@example.com
          ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD='…' .build/release/tradewind bench checkout --rate 50
        """
    )

    @Option(help: "The gateway's address.") var gateway = "http://127.0.0.1:8080"
    @Option(help: "The user service's own address (customers are registered there, past the gateway's per-address limits).")
    var userService = "http://127.0.0.1:8081"
    @Option(help: "The cart service's own address (open loop: carts are filled there before the run).") var cartService = "http://127.0.0.1:8083"
    @Option(help: "The order service's own address (its /metrics has the outbox lag).") var orderService = "http://127.0.0.1:8085"
    @Option(help: "Closed loop: customers ordering at once.") var customers = 16
    @Option(help: "Closed loop: orders in all.") var orders = 200
    @Option(help: "Open loop: orders per second to send.") var rate: Double?
    @Option(help: "Open loop: seconds of sending.") var duration = 10.0
    @Option(help: "Open loop: follow one order in this many until it ships (default: 5, or enough to follow about 20 orders a second when the rate is higher).")
    var followEvery: Int?
    @Option(help: "Open loop: status reads of followed orders per second, all of them together (default: ten per order followed each second, at least 20).")
    var followReadsPerSecond: Double?
    @Option(help: "How a followed order is read: 'wait' (each read waits for the order's next change: If-None-Match with Prefer: wait) or 'poll' (read again after a pause).")
    var followBy: FollowMode = .wait
    @Option(help: "Seconds of the baseline (plain reads through the gateway); 0 skips it.") var baselineSeconds = 3.0
    @Option(help: "Products the orders are spread over, one per order in turn (1: every order is for the same product, which the cart's kept catalog answers favour most).")
    var products = 1

    func validate() throws {
        if let rate, !(rate > 0 && rate <= 100_000) { throw ValidationError("--rate must be a positive number of orders per second, at most 100000") }
        guard duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be a positive number of seconds, at most 86400") }
        if let followEvery, followEvery < 1 { throw ValidationError("--follow-every must be 1 or more") }
        if let followReadsPerSecond, !(followReadsPerSecond > 0 && followReadsPerSecond.isFinite) {
            throw ValidationError("--follow-reads-per-second must be a positive number")
        }
        guard customers >= 1, orders >= 1 else { throw ValidationError("--customers and --orders must be 1 or more") }
        guard baselineSeconds >= 0, baselineSeconds <= 3_600 else { throw ValidationError("--baseline-seconds must be 0 to 3600") }
        guard (1...10_000).contains(products) else { throw ValidationError("--products must be 1 to 10000") }
    }

    func run() async throws {
        guard let email = ProcessInfo.processInfo.environment["ADMIN_EMAIL"], let password = ProcessInfo.processInfo.environment["ADMIN_PASSWORD"] else {
            throw ValidationError("""
            set ADMIN_EMAIL and ADMIN_PASSWORD to an administrator's account: the benchmark creates its own product and \
            stock with it (make one with `ADMIN_PASSWORD='…' tradewind user create-admin --email …`)
            """)
        }
        let connections = max(customers, Int(rate ?? 0) * 2, 16)
        let client = HTTPClient(configuration: .init(connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)))
        do {
            try await measure(BenchHTTP(client: client), email: email, password: password, connections: connections)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func measure(_ http: BenchHTTP, email: String, password: String, connections: Int) async throws {
        let api = gateway.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api"

        let admin = try await http.signIn(at: userService, email: email, password: password, what: "the administrator \(email)")
        let skus = try await prepareProducts(http, api: api, adminToken: admin)
        print(skus.count == 1 ? "product \(skus[0]): 1,000,000 units on hand"
                              : "\(skus.count) products, \(skus[0]) to \(skus[skus.count - 1]): 1,000,000 units on hand each")

        let baseline = baselineSeconds > 0 ? try await measureBaseline(http, api: api, concurrency: min(connections, 32)) : nil
        if let baseline {
            print(String(format: "baseline, GET /api/.well-known/jwks.json through the gateway (%d at once, %.0f s): %.0f requests/s, p50 %.1f ms, p99 %.1f ms",
                         min(connections, 32), baselineSeconds, baseline.perSecond, baseline.latency.milliseconds(50), baseline.latency.milliseconds(99)))
        }

        let run: Run
        if let rate {
            run = try await openLoop(http, api: api, skus: skus, rate: rate, adminToken: admin)
        } else {
            run = try await closedLoop(http, api: api, skus: skus)
        }
        let lag = try? await outboxLag(http)
        try report(run, baseline: baseline, lag: lag)
        // The machine's own speed varies between moments by more than most changes to the stack: the same baseline
        // again, once the run is over, says whether it changed during this one.
        if let baseline, let after = try? await measureBaseline(http, api: api, concurrency: min(connections, 32)) {
            print(String(format: "  baseline again after the run: %.0f requests/s, %.2f × the first", after.perSecond, after.perSecond / max(baseline.perSecond, 1)))
        }
        if run.failures > 0 { throw ExitCode.failure }
    }

    // MARK: Preparation

    /// `products` products of the benchmark's own (any category will do), each with more stock than a run can take,
    /// made eight at a time.
    func prepareProducts(_ http: BenchHTTP, api: String, adminToken: String) async throws -> [String] {
        struct Categories: Decodable { struct Item: Decodable { let id: String }; let items: [Item] }
        let categories: Categories = try await http.json(.GET, "\(api)/categories", token: adminToken, expect: 200)
        guard let category = categories.items.first?.id else { throw ValidationError("the catalog has no category to put the benchmark's product in") }
        let stamp = "BENCH-" + String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36).uppercased()
        let skus = products == 1 ? [stamp] : (0..<products).map { "\(stamp)-\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, sku) in skus.enumerated() {
                if index >= 8 { try await group.next() }
                group.addTask {
                    let product: [String: Any] = ["sku": sku, "name": "Benchmark parcel \(sku)", "price": ["amount": 1000, "currency": "EUR"], "categoryId": category]
                    _ = try await http.send(.POST, "\(api)/products", json: product, token: adminToken, retryWhenBusy: true, expect: 201)
                    _ = try await http.send(.PUT, "\(api)/inventory/\(sku)", json: ["onHand": 1_000_000], token: adminToken, retryWhenBusy: true, expect: 200)
                }
            }
            try await group.waitForAll()
        }
        return skus
    }

    /// Customers registered and signed in at the user service itself, `parallel` at a time.
    func prepareCustomers(_ http: BenchHTTP, count: Int, parallel: Int = 8, then: (@Sendable (Int, String) async throws -> Void)? = nil) async throws -> [String] {
        try await withThrowingTaskGroup(of: String.self) { group in
            var tokens: [String] = []
            for index in 0..<count {
                if index >= parallel, let token = try await group.next() { tokens.append(token) }
                group.addTask {
                    let email = "bench-\(UUID().uuidString.prefix(12).lowercased())@example.com", password = "bench password 123"
                    _ = try await http.send(.POST, "\(userService)/users", json: ["email": email, "password": password, "displayName": "Bench \(index)"],
                                            retryWhenBusy: true, expect: 201)
                    let token = try await http.signIn(at: userService, email: email, password: password, what: email)
                    try await then?(index, token)
                    return token
                }
            }
            for try await token in group { tokens.append(token) }
            return tokens
        }
    }

    // MARK: Runs

    struct Run {
        var label = ""
        var offered: Double?
        var accepted = 0
        var failures = 0
        var problems: [String] = []
        var seconds = 0.0
        var post = LatencyHistogram()
        var confirmed = LatencyHistogram()
        var shipped = LatencyHistogram()
        var cpu: [(process: String, seconds: Double)] = []
        var followReads: ReadBudget.Usage?
        /// Orders seen shipped, and when the last of them was.
        var shippedOrders = 0
        /// Open loop: from the first send to the last order seen shipped (to a quarter of a second for unfollowed orders).
        var shippedSeconds: Double?
        var lastShipped: ContinuousClock.Instant?

        mutating func sawShipped() {
            shippedOrders += 1
            lastShipped = max(lastShipped ?? .now, .now)
        }
    }

    func closedLoop(_ http: BenchHTTP, api: String, skus: [String]) async throws -> Run {
        print("preparing \(customers) customers …")
        let tokens = try await prepareCustomers(http, count: customers)
        print("closed loop: \(customers) customers place \(orders) orders through \(gateway), each followed until it ships …")
        let before = ProcessCPU.sample()
        let started = ContinuousClock.now
        var run = await eachCustomer(tokens) { index, token, run in
            for round in 0..<(orders / customers + (index < orders % customers ? 1 : 0)) {
                do {
                    let sku = skus[(round * customers + index) % skus.count]
                    _ = try await http.send(.POST, "\(api)/carts/current/items", json: ["sku": sku, "quantity": 1], token: token, expect: 200)
                    let sent = ContinuousClock.now
                    let order = try await placeOrder(http, api: api, token: token)
                    run.post.record(sent.duration(to: .now))
                    run.accepted += 1
                    try await follow(http, api: api, order: order, token: token, from: sent, into: &run)
                    try await waitForEmptyCart(http, api: api, token: token)
                } catch {
                    run.failed(error)
                }
            }
        }
        run.label = "closed loop, \(customers) customers"
        run.seconds = started.duration(to: .now).seconds
        run.cpu = ProcessCPU.sample().used(since: before)
        return run
    }

    func openLoop(_ http: BenchHTTP, api: String, skus: [String], rate: Double, adminToken: String) async throws -> Run {
        let count = Int(rate * duration)
        print("preparing \(count) customers, each with a filled cart …")
        let tokens = try await prepareCustomers(http, count: count) { index, token in
            _ = try await http.send(.POST, "\(cartService)/carts/current/items", json: ["sku": skus[index % skus.count], "quantity": 1], token: token, expect: 200)
        }
        print("open loop: \(count) orders at \(rate.formatted())/s through \(gateway) …")
        let before = ProcessCPU.sample()
        let start = ContinuousClock.now + .milliseconds(200)
        let end = start + .seconds(duration)
        let unfollowed = Placements()
        // The orders followed, and so the status reads, stop growing with the rate past 100/s: reading is work for the
        // stack under test, and it is counted in the cost per order.
        let followEvery = followEvery ?? max(5, Int((rate / 20).rounded()))
        let reads = ReadBudget(perSecond: followReadsPerSecond ?? max(20, 10 * rate / Double(followEvery)))
        let expected = (0..<count).count(where: { $0 % followEvery != 0 })
        async let watched = watchUntilShipped(http, api: api, adminToken: adminToken, orders: unfollowed, expected: expected, after: end)
        var run = await eachCustomer(tokens) { index, token, run in
            let scheduled = start + .seconds(Double(index) / rate)
            try? await Task.sleep(until: scheduled, clock: .continuous)
            let followed = index % followEvery == 0
            let order: (id: String, eTag: String?)
            do {
                order = try await placeOrder(http, api: api, token: token)
            } catch {
                if !followed { unfollowed.settle(nil) }
                throw error
            }
            run.post.record(scheduled.duration(to: .now))
            run.accepted += 1
            if followed {
                try await follow(http, api: api, order: order, token: token, from: scheduled, reads: reads, into: &run)
            } else {
                unfollowed.settle(order.id)
            }
        }
        do {
            run.merge(try await watched)
        } catch {
            run.failed(error)
        }
        run.label = String(format: "open loop, %g orders/s offered for %g s", rate, duration)
        run.offered = rate
        run.seconds = duration
        run.shippedSeconds = run.lastShipped.map { start.duration(to: $0).seconds }
        run.cpu = ProcessCPU.sample().used(since: before)
        run.followReads = reads.usage
        return run
    }

    /// The status reads of an open loop's followed orders, at most `perSecond` in all over any half second (a
    /// generic cell rate: bursts up to half a second's worth go at once). Each followed order reads more often than
    /// orders ship, so without a bound a stack that falls behind would also be sent more and more reads the further
    /// behind it is, and the benchmark would measure its own load.
    final class ReadBudget: Sendable {
        struct Usage {
            let perSecond: Double
            var reads = 0
            /// Reads that waited for their turn: the latency they observe may be late by that wait.
            var waited = 0
        }

        private let spacing: Duration
        private let burst = Duration.milliseconds(500)
        /// When the reads so far would have ended, sent one every `spacing`.
        private let state: Mutex<(due: ContinuousClock.Instant, usage: Usage)>

        init(perSecond: Double) {
            spacing = .seconds(1 / max(perSecond, 0.1))
            state = Mutex((due: .now, usage: Usage(perSecond: perSecond)))
        }

        /// Waits for this read's turn.
        func take() async {
            let now = ContinuousClock.now
            let turn = state.withLock { state in
                let due = max(now, state.due)
                let turn = max(now, due - burst)
                state.due = due + spacing
                state.usage.reads += 1
                if turn > now { state.usage.waited += 1 }
                return turn
            }
            if turn > now { try? await Task.sleep(until: turn, clock: .continuous) }
        }

        var usage: Usage { state.withLock { $0.usage } }
    }

    /// The orders of an open loop that are not followed one by one, as their placements settle.
    final class Placements: Sendable {
        struct State {
            var ids: Set<String> = []
            /// Placements done, whether or not they succeeded.
            var settled = 0
        }

        private let state = Mutex(State())

        /// A placement done: the order it placed, or `nil` when it failed.
        func settle(_ order: String?) {
            state.withLock { state in
                if let order { state.ids.insert(order) }
                state.settled += 1
            }
        }

        var current: State { state.withLock { $0 } }
    }

    /// The orders not followed one by one (polling each would be a load of its own): once the last is sent, the
    /// administrators' listing of orders still under way is looked at every quarter of a second, the newest of each
    /// status only while one of them is the newest, then all of it, until none of them is left there. Orders that ended failed or cancelled are counted as failures.
    func watchUntilShipped(_ http: BenchHTTP, api: String, adminToken: String, orders: Placements, expected: Int,
                           after end: ContinuousClock.Instant) async throws -> Run {
        try? await Task.sleep(until: end, clock: .continuous)
        var run = Run()
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let placed = orders.current
            // While one of its orders heads the listing of a status under way, the run is not over: one short read
            // per status instead of every page, so that watching a backlog does not become a load of its own.
            if placed.settled == expected,
               try await !headsOfListing(http, api: api, adminToken: adminToken, statuses: Self.underWayStatuses).contains(where: placed.ids.contains) {
                let underWay = try await listed(http, api: api, adminToken: adminToken, statuses: Self.underWayStatuses, among: placed.ids)
                if underWay.isEmpty {
                    let ended = try await listed(http, api: api, adminToken: adminToken, statuses: Array(Self.endedStatuses), among: placed.ids)
                    for order in ended { run.failed(BenchFailure("order \(order) did not ship")) }
                    for _ in 0..<(placed.ids.count - ended.count) { run.sawShipped() }
                    return run
                }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw BenchFailure("orders were still under way \(Int(duration) + 120) s after the first was sent")
    }

    static let underWayStatuses = ["pending", "stockReserved", "confirmed"]

    /// The newest order the administrators' listing shows in each of `statuses`.
    func headsOfListing(_ http: BenchHTTP, api: String, adminToken: String, statuses: [String]) async throws -> [String] {
        struct Page: Decodable { struct Item: Decodable { let id: String }; let items: [Item] }
        var heads: [String] = []
        for status in statuses {
            let page: Page = try await http.json(.GET, "\(api)/admin/orders?status=\(status)&limit=1", token: adminToken, expect: 200)
            heads += page.items.map(\.id)
        }
        return heads
    }

    /// Which of `orders` the administrators' listing shows in one of `statuses`. Read in the order the checkout
    /// moves orders through them, so that an order moving on while they are read is seen in a later one.
    func listed(_ http: BenchHTTP, api: String, adminToken: String, statuses: [String], among orders: Set<String>) async throws -> Set<String> {
        struct Page: Decodable { struct Item: Decodable { let id: String }; let items: [Item]; let nextCursor: String? }
        var found: Set<String> = []
        for status in statuses {
            var cursor: String?
            repeat {
                let query = "status=\(status)&limit=100" + (cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? "")
                let page: Page = try await http.json(.GET, "\(api)/admin/orders?\(query)", token: adminToken, expect: 200)
                found.formUnion(page.items.map(\.id).filter(orders.contains))
                cursor = page.nextCursor
            } while cursor != nil && found.count < orders.count
        }
        return found
    }

    /// One task per customer, each with a run of its own (a failure it throws counted there), merged at the end.
    func eachCustomer(_ tokens: [String], _ work: @escaping @Sendable (_ index: Int, _ token: String, _ run: inout Run) async throws -> Void) async -> Run {
        await withTaskGroup(of: Run.self) { group in
            for (index, token) in tokens.enumerated() {
                group.addTask {
                    var run = Run()
                    do {
                        try await work(index, token, &run)
                    } catch {
                        run.failed(error)
                    }
                    return run
                }
            }
            var total = Run()
            for await run in group { total.merge(run) }
            return total
        }
    }

    /// Every order ships to the same address, so its body is encoded once: encoding it per order was a tenth of
    /// this load generator's CPU.
    static let placeOrderBody = try! JSONSerialization.data(withJSONObject: [
        "shippingAddress": ["name": "Bench", "street": "Storgatan 1", "city": "Stockholm", "postalCode": "111 22", "country": "SE", "destination": "SESTO"],
    ])

    /// The new order's id and ETag.
    func placeOrder(_ http: BenchHTTP, api: String, token: String) async throws -> (id: String, eTag: String?) {
        struct Placed: Decodable { let id: String }
        let answer = try await http.answer(.POST, "\(api)/orders", json: Self.placeOrderBody, token: token,
                                           headers: ["idempotency-key": UUID().uuidString], expect: [201])
        return (try JSONDecoder().decode(Placed.self, from: Data(answer.body.readableBytesView)).id, answer.headers.first(name: "etag"))
    }

    static let shippedStatuses: Set<String> = ["shipped", "inTransit", "delivered"]
    static let endedStatuses: Set<String> = ["failed", "cancelled"]

    enum FollowMode: String, ExpressibleByArgument, Sendable {
        case wait, poll
    }

    /// Reads the order until it ships, recording when it was first seen confirmed and shipped. With `--follow-by
    /// wait`, each read is held by the order service until the order changes (`If-None-Match` with its last ETag,
    /// `Prefer: wait=5`), so a change is seen when it is stored and a followed order costs one read per change.
    /// With `poll`, reads are spaced 50 ms at first, then a tenth of the order's age (at most 500 ms), so that a
    /// slow order is known to within about 10 % without its polls becoming a load of their own. With `reads`, each
    /// read also waits for its turn there.
    func follow(_ http: BenchHTTP, api: String, order placed: (id: String, eTag: String?), token: String, from sent: ContinuousClock.Instant,
                reads: ReadBudget? = nil, into run: inout Run) async throws {
        let order = placed.id
        var confirmed = false
        var seen = placed.eTag
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            await reads?.take()
            let read = try await orderStatus(http, api: api, order: order, token: token, changedFrom: followBy == .wait ? seen : nil)
            guard let status = read.status else { continue }
            seen = read.eTag
            if !confirmed, status == "confirmed" || Self.shippedStatuses.contains(status) {
                confirmed = true
                run.confirmed.record(sent.duration(to: .now))
            }
            if Self.shippedStatuses.contains(status) {
                run.shipped.record(sent.duration(to: .now))
                run.sawShipped()
                return
            }
            if Self.endedStatuses.contains(status) { throw BenchFailure("order \(order) ended \(status)") }
            if followBy == .poll { try await Task.sleep(for: min(.milliseconds(500), max(.milliseconds(50), sent.duration(to: .now) / 10))) }
        }
        throw BenchFailure("order \(order) did not ship within 60 s")
    }

    /// The order's status and ETag; with `seen` (an ETag), the answer waits up to 5 s for the order to move past it,
    /// and is `nil` when it did not.
    func orderStatus(_ http: BenchHTTP, api: String, order: String, token: String, changedFrom seen: String?) async throws -> (status: String?, eTag: String?) {
        struct Order: Decodable { let status: String }
        let headers = seen.map { ["if-none-match": $0, "prefer": "wait=5"] } ?? [:]
        let answer = try await http.answer(.GET, "\(api)/orders/\(order)", token: token, headers: headers, expect: [200, 304])
        let eTag = answer.headers.first(name: "etag")
        guard answer.status == 200 else { return (nil, eTag) }
        return (try JSONDecoder().decode(Order.self, from: Data(answer.body.readableBytesView)).status, eTag)
    }

    /// The cart empties when the order context's OrderPlaced reaches the cart context.
    func waitForEmptyCart(_ http: BenchHTTP, api: String, token: String) async throws {
        struct Cart: Decodable { let itemCount: Int }
        for _ in 0..<500 {
            let cart: Cart = try await http.json(.GET, "\(api)/carts/current", token: token, expect: 200)
            if cart.itemCount == 0 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchFailure("the cart did not empty within 10 s of its order")
    }

    struct Baseline {
        let perSecond: Double
        let latency: LatencyHistogram
    }

    func measureBaseline(_ http: BenchHTTP, api: String, concurrency: Int) async throws -> Baseline {
        let end = ContinuousClock.now + .seconds(baselineSeconds)
        let started = ContinuousClock.now
        let latency = try await withThrowingTaskGroup(of: LatencyHistogram.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latency = LatencyHistogram()
                    while ContinuousClock.now < end {
                        let sent = ContinuousClock.now
                        _ = try await http.send(.GET, "\(api)/.well-known/jwks.json", expect: 200)
                        latency.record(sent.duration(to: .now))
                    }
                    return latency
                }
            }
            var total = LatencyHistogram()
            for try await part in group { total.merge(part) }
            return total
        }
        return Baseline(perSecond: Double(latency.count) / started.duration(to: .now).seconds, latency: latency)
    }

    /// The mean delivery lag of the order service's outbox, from its Prometheus metrics.
    func outboxLag(_ http: BenchHTTP) async throws -> Double? {
        let text = String(buffer: try await http.send(.GET, "\(orderService)/metrics", expect: 200))
        func value(_ name: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(name) }.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        }
        guard let sum = value("outbox_delivery_lag_seconds_sum"), let count = value("outbox_delivery_lag_seconds_count"), count > 0 else { return nil }
        return sum / count
    }

    // MARK: Report

    func report(_ run: Run, baseline: Baseline?, lag: Double?) throws {
        let perSecond = Double(run.accepted) / max(run.seconds, 0.001)
        let spread = products > 1 ? ", over \(products) products" : ""
        print("\n\(run.label)\(spread): \(run.accepted) orders accepted in \(String(format: "%.1f", run.seconds)) s, \(run.failures) failed")
        if let shippedSeconds = run.shippedSeconds, run.shippedOrders > 0 {
            print(String(format: "  shipped                   %8.1f orders/s   (%d orders shipped by %.1f s after the first send; accepted at the offered rate)",
                         Double(run.shippedOrders) / shippedSeconds, run.shippedOrders, shippedSeconds))
        }
        print(String(format: run.offered == nil ? "  throughput                %8.1f orders/s" : "  accepted                  %8.1f orders/s", perSecond)
              + (baseline.map { String(format: "   (%.3f × the baseline's %.0f reads/s)", perSecond / $0.perSecond, $0.perSecond) } ?? ""))
        func line(_ label: String, _ histogram: LatencyHistogram, note: String = "") {
            guard histogram.count > 0 else { return }
            var text = "  " + label.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "  p50 %7.1f ms  p90 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (%d)", histogram.milliseconds(50),
                              histogram.milliseconds(90), histogram.milliseconds(99), histogram.milliseconds(100), histogram.count)
            if let baseline, label.hasPrefix("POST") {
                text += String(format: "  p99 = %.1f × the baseline's", histogram.milliseconds(99) / max(baseline.latency.milliseconds(99), 0.001))
            }
            print(text + note)
        }
        line(run.offered == nil ? "POST /orders" : "POST /orders (scheduled)", run.post)
        line("→ confirmed", run.confirmed)
        line("→ shipped", run.shipped)
        if let reads = run.followReads {
            print(String(format: "  status reads of followed orders (%@): %d, at most %.0f/s; %d waited for their turn%@",
                         followBy == .wait ? "each waiting for a change" : "polled", reads.reads, reads.perSecond, reads.waited,
                         reads.waited > 0 ? " (the → latencies above may be late by that wait)" : ""))
        }
        if let lag { print(String(format: "  outbox delivery lag, mean since the order service started: %.1f ms", lag * 1000)) }
        if !run.cpu.isEmpty {
            let total = run.cpu.reduce(0) { $0 + $1.seconds }
            print("  CPU during the run, per process (from /proc):")
            for (process, seconds) in run.cpu {
                print("    " + process.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: " %7.2f s  %6.2f ms/order  %5.1f %%", seconds, run.accepted > 0 ? seconds * 1000 / Double(run.accepted) : 0,
                             total > 0 ? seconds * 100 / total : 0))
            }
            print("    " + "all".padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: " %7.2f s  %6.2f ms/order", total, run.accepted > 0 ? total * 1000 / Double(run.accepted) : 0))
        }
        if run.failures > 0 {
            print("FAILED: \(run.failures) orders did not go through, e.g.:")
            for problem in run.problems.prefix(5) { print("  \(problem)") }
        }
    }
}

extension CheckoutBench.Run {
    mutating func failed(_ error: any Error) {
        failures += 1
        problems.append("\(error)")
    }

    mutating func merge(_ other: Self) {
        accepted += other.accepted
        failures += other.failures
        shippedOrders += other.shippedOrders
        if let other = other.lastShipped { lastShipped = max(lastShipped ?? other, other) }
        problems += other.problems.prefix(10)
        post.merge(other.post)
        confirmed.merge(other.confirmed)
        shipped.merge(other.shipped)
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Latencies in microseconds, kept as recorded; percentiles come from an HdrHistogram (fixed relative precision)
/// made when they are asked for. Every customer's task keeps its own, so one must cost little: a histogram that
/// tracks up to ten minutes to three digits is 150 KB to zero and to walk when merged, and at 200 orders/s the
/// load generator spent more on making and merging those than on some of its requests.
struct LatencyHistogram: Sendable {
    static let highestTrackable: UInt64 = 600_000_000
    private(set) var samples: [UInt64] = []

    var count: Int { samples.count }

    mutating func record(_ duration: Duration) {
        samples.append(min(Self.highestTrackable, UInt64(max(1, duration.seconds * 1_000_000))))
    }

    mutating func merge(_ other: Self) {
        samples += other.samples
    }

    func milliseconds(_ percentile: Double) -> Double {
        var histogram = Histogram<UInt64>(highestTrackableValue: Self.highestTrackable, numberOfSignificantValueDigits: .three)
        for sample in samples { _ = histogram.record(sample) }
        return Double(percentile >= 100 ? histogram.max : histogram.valueAtPercentile(percentile)) / 1000
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Requests with a bearer token, JSON in and out, and the status each answer must have.
struct BenchHTTP: Sendable {
    let client: HTTPClient

    func send(_ method: HTTPMethod, _ url: String, json: Any? = nil, form: [String: String]? = nil, token: String? = nil,
              headers: [String: String] = [:], retryWhenBusy: Bool = false, expect status: Int) async throws -> ByteBuffer {
        try await answer(method, url, json: json, form: form, token: token, headers: headers, retryWhenBusy: retryWhenBusy, expect: [status]).body
    }

    func answer(_ method: HTTPMethod, _ url: String, json: Any? = nil, form: [String: String]? = nil, token: String? = nil,
                headers: [String: String] = [:], retryWhenBusy: Bool = false,
                expect statuses: Set<Int>) async throws -> (status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            // `Data` is a body already encoded.
            request.body = .bytes(ByteBuffer(bytes: try json as? Data ?? JSONSerialization.data(withJSONObject: json)))
        } else if let form {
            var components = URLComponents()
            components.queryItems = form.map { URLQueryItem(name: $0.key, value: $0.value) }
            request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")))
        }
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        var response = try await client.execute(request, timeout: .seconds(30))
        var body = try await response.body.collect(upTo: 4 << 20)
        // The user service admits a few password hashings at once and asks the rest to come back: they do.
        for _ in 0..<600 where response.status == .tooManyRequests && retryWhenBusy {
            try await Task.sleep(for: .milliseconds(50))
            response = try await client.execute(request, timeout: .seconds(30))
            body = try await response.body.collect(upTo: 4 << 20)
        }
        guard statuses.contains(Int(response.status.code)) else {
            throw BenchFailure("\(method) \(url): \(response.status.code) \(String(buffer: body).prefix(300))")
        }
        return (Int(response.status.code), response.headers, body)
    }

    func json<Answer: Decodable>(_ method: HTTPMethod, _ url: String, body: Any? = nil, token: String? = nil, headers: [String: String] = [:],
                                 expect status: Int) async throws -> Answer {
        let buffer = try await send(method, url, json: body, token: token, headers: headers, expect: status)
        return try JSONDecoder().decode(Answer.self, from: Data(buffer.readableBytesView))
    }

    func signIn(at userService: String, email: String, password: String, what: String) async throws -> String {
        struct Tokens: Decodable { let access_token: String }
        do {
            let buffer = try await send(.POST, "\(userService)/oauth/token", form: ["grant_type": "password", "username": email, "password": password],
                                        retryWhenBusy: true, expect: 200)
            return try JSONDecoder().decode(Tokens.self, from: Data(buffer.readableBytesView)).access_token
        } catch {
            throw BenchFailure("cannot sign in \(what) at \(userService): \(error)")
        }
    }
}

/// CPU time of the stack's processes, from `/proc/<pid>/stat`: `tradewind serve <name>` processes by name, every
/// PostgreSQL backend as one, and this benchmark itself.
struct ProcessCPU {
    let seconds: [String: Double]

    static func sample() -> ProcessCPU {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let me = ProcessInfo.processInfo.processIdentifier
        var seconds: [String: Double] = [:]
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
        for pid in pids {
            guard let name = pid == me ? "bench (load generator)" : processName(pid),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let end = stat.lastIndex(of: ")") else { continue }
            // After "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            seconds[name, default: 0] += (user + system) / ticks
        }
        return ProcessCPU(seconds: seconds)
    }

    static func processName(_ pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        if let serve = arguments.firstIndex(of: "serve"), serve + 1 < arguments.count, arguments[0].hasSuffix("tradewind") {
            return arguments[serve + 1]
        }
        // `tradewind up` relays every service's log lines to its own output: work the local stack does per request.
        if arguments.count > 1, arguments[0].hasSuffix("tradewind"), arguments[1] == "up" { return "tradewind up (log relay)" }
        if arguments[0].hasSuffix("postgres") || arguments[0].hasPrefix("postgres:") { return "postgresql (all backends)" }
        return nil
    }

    /// CPU seconds used since `before`, per process, most first; processes that ended in between are not counted.
    func used(since before: ProcessCPU) -> [(process: String, seconds: Double)] {
        seconds.map { ($0.key, $0.value - (before.seconds[$0.key] ?? 0)) }.filter { $0.1 > 0.005 }.sorted { $0.1 > $1.1 }
    }
}
