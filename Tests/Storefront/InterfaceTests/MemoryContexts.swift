import Foundation
import StorefrontDomain
import Synchronization
import TradewindKernel

/// The user context's accounts, in memory, with its rules that matter to the storefront: one account per email,
/// and a refresh token used twice ends the sign-in.
final class MemoryAccounts: Accounts {
    struct State {
        var passwords: [String: String] = [:]
        var names: [String: String] = [:]
        var refreshTokens: [String: String] = [:]
        var usedRefreshTokens: Set<String> = []
        var refreshes = 0
        var issued = 0
    }

    let state = Mutex(State())
    let accessLifetime: TimeInterval

    init(accessLifetime: TimeInterval = 900) { self.accessLifetime = accessLifetime }

    func register(email: String, displayName: String, password: String) async throws {
        try state.withLock { state in
            if state.passwords[email] != nil { throw StorefrontError.refused(field: "email", detail: "An account with this email exists already; sign in instead.") }
            state.passwords[email] = password
            state.names[email] = displayName
        }
    }

    func signIn(email: String, password: String) async throws -> AccountTokens {
        try state.withLock { state in
            guard state.passwords[email] == password else { throw StorefrontError.signInRefused }
            return issue(for: email, &state)
        }
    }

    func refresh(_ refreshToken: String) async throws -> AccountTokens {
        try await Task.sleep(for: .milliseconds(20))
        return try state.withLock { state in
            state.refreshes += 1
            guard let email = state.refreshTokens[refreshToken], !state.usedRefreshTokens.contains(refreshToken) else {
                // Reuse: every token of the family is revoked.
                state.refreshTokens = state.refreshTokens.filter { $0.value != state.refreshTokens[refreshToken] }
                throw StorefrontError.signedOut
            }
            state.usedRefreshTokens.insert(refreshToken)
            return issue(for: email, &state)
        }
    }

    func revoke(_ refreshToken: String) async throws {
        state.withLock { _ = $0.refreshTokens.removeValue(forKey: refreshToken) }
    }

    func profile(accessToken: String) async throws -> AccountProfile {
        let email = String(accessToken.split(separator: "|").first ?? "")
        return AccountProfile(displayName: state.withLock { $0.names[email] ?? email }, roles: email.hasPrefix("admin") ? ["admin"] : ["customer"])
    }

    private func issue(for email: String, _ state: inout State) -> AccountTokens {
        state.issued += 1
        let refresh = "refresh-\(state.issued)"
        state.refreshTokens[refresh] = email
        return AccountTokens(accessToken: "\(email)|\(state.issued)", accessExpiresAt: Date().addingTimeInterval(accessLifetime), refreshToken: refresh)
    }
}

/// The cart context's carts, in memory: guest carts by token, customers' by the email in their access token.
final class MemoryCarts: Carts {
    struct State {
        var carts: [String: [String: Int]] = [:]
        var opened = 0
    }

    let state = Mutex(State())
    static let price = Money(minorUnits: 12900, currency: Currency("EUR")!)

    func key(_ holder: CartHolder) -> String {
        switch holder {
        case .guest(let token): "guest:\(token)"
        case .customer(let token): "user:\(token.split(separator: "|").first ?? "")"
        }
    }

    func openGuestCart() async throws -> String {
        state.withLock { state in
            state.opened += 1
            state.carts["guest:g\(state.opened)"] = [:]
            return "g\(state.opened)"
        }
    }

    func cart(of holder: CartHolder) async throws -> ShopCart? {
        state.withLock { state in state.carts[key(holder)].map(Self.shopCart) ?? (holderIsCustomer(holder) ? .empty : nil) }
    }

    func add(sku: String, quantity: Int, for holder: CartHolder) async throws -> ShopCart {
        try state.withLock { state in
            let key = key(holder)
            var lines = state.carts[key] ?? [:]
            guard lines[sku, default: 0] + quantity <= 99 else { throw StorefrontError.refused(field: "quantity", detail: "a line holds at most 99") }
            lines[sku, default: 0] += quantity
            state.carts[key] = lines
            return Self.shopCart(lines)
        }
    }

    func change(sku: String, quantity: Int, for holder: CartHolder) async throws -> ShopCart {
        state.withLock { state in
            state.carts[key(holder), default: [:]][sku] = quantity
            return Self.shopCart(state.carts[key(holder)] ?? [:])
        }
    }

    func remove(sku: String, for holder: CartHolder) async throws -> ShopCart {
        state.withLock { state in
            state.carts[key(holder)]?[sku] = nil
            return Self.shopCart(state.carts[key(holder)] ?? [:])
        }
    }

    func merge(guestCartToken: String, into accessToken: String) async throws {
        state.withLock { state in
            let guest = state.carts.removeValue(forKey: "guest:\(guestCartToken)") ?? [:]
            let customer = key(.customer(accessToken: accessToken))
            state.carts[customer] = (state.carts[customer] ?? [:]).merging(guest, uniquingKeysWith: +)
        }
    }

    func lines(of holder: CartHolder) -> [String: Int]? { state.withLock { $0.carts[key(holder)] } }

    private func holderIsCustomer(_ holder: CartHolder) -> Bool {
        if case .customer = holder { true } else { false }
    }

    static func shopCart(_ lines: [String: Int]) -> ShopCart {
        let shopLines = lines.sorted { $0.key < $1.key }.map { sku, quantity in
            ShopCartLine(sku: sku, name: "Product \(sku)", quantity: quantity, unitPrice: price,
                         lineTotal: Money(minorUnits: price.minorUnits * Int64(quantity), currency: price.currency), priceChanged: false, available: true)
        }
        let total = shopLines.isEmpty ? nil : Money(minorUnits: shopLines.reduce(0) { $0 + $1.lineTotal.minorUnits }, currency: price.currency)
        return ShopCart(lines: shopLines, total: total, itemCount: lines.values.reduce(0, +))
    }
}

/// The order context, in memory: an order per idempotency key and customer, placed from the customer's cart.
final class MemoryOrders: Orders {
    let carts: MemoryCarts
    let placed = Mutex<[String: ShopOrder]>([:])

    init(carts: MemoryCarts) { self.carts = carts }

    func place(shippingTo address: ShippingAddress, key: String, accessToken: String) async throws -> ShopOrder {
        let customer = String(accessToken.split(separator: "|").first ?? "")
        if let earlier = placed.withLock({ $0["\(customer)/\(key)"] }) { return earlier }
        let cart = MemoryCarts.shopCart(carts.lines(of: .customer(accessToken: accessToken)) ?? [:])
        guard let total = cart.total else { throw StorefrontError.refused(field: nil, detail: "the cart is empty") }
        let order = ShopOrder(
            id: UUID().uuidString.lowercased(), status: .shipped,
            lines: cart.lines.map { ShopOrderLine(sku: $0.sku, name: $0.name, quantity: $0.quantity, unitPrice: $0.unitPrice, lineTotal: $0.lineTotal) },
            total: total, address: address, placedAt: Date(timeIntervalSince1970: 1_800_000_000), failureReason: nil, trackingID: "ABCD1234"
        )
        placed.withLock { $0["\(customer)/\(key)"] = order }
        return order
    }

    func orders(accessToken: String, after cursor: String?) async throws -> (orders: [ShopOrder], nextCursor: String?) {
        let customer = String(accessToken.split(separator: "|").first ?? "")
        return (placed.withLock { $0.filter { $0.key.hasPrefix("\(customer)/") }.map(\.value) }, nil)
    }

    func order(id: String, accessToken: String) async throws -> ShopOrder? {
        try await orders(accessToken: accessToken, after: nil).orders.first { $0.id == id }
    }
}

final class MemoryFreight: Freight {
    func ports() async throws -> [DestinationPort] { [DestinationPort(code: "SESTO", name: "Stockholm"), DestinationPort(code: "JNTKO", name: "Tokyo")] }

    func tracking(id: String) async throws -> Tracking? {
        guard id == "ABCD1234" else { return nil }
        return Tracking(trackingID: id, status: "In port Hongkong", destination: "SESTO", estimatedArrival: Date(timeIntervalSince1970: 1_800_100_000),
                        nextActivity: "Next expected activity is to load cargo onto voyage V100 in Hongkong.", misdirected: false,
                        route: [.init(voyage: "V100", from: "CNHKG", to: "SESTO", departs: Date(timeIntervalSince1970: 1_800_010_000),
                                      arrives: Date(timeIntervalSince1970: 1_800_090_000))],
                        events: [.init(description: "Received in Hongkong", completedAt: Date(timeIntervalSince1970: 1_800_000_100), expected: true)])
    }
}

/// The cargo context's operations, in memory: one cargo that a handling report can misdirect, reroute and route
/// again, as the cargo context does.
final class MemoryCargoOperations: CargoOperations {
    static let plan = [Tracking.Leg(voyage: "V100", from: "CNHKG", to: "SESTO", departs: Date(timeIntervalSince1970: 1_800_010_000),
                                    arrives: Date(timeIntervalSince1970: 1_800_090_000))]
    let state = Mutex(OperatedCargo(trackingID: "ABCD1234", origin: "CNHKG", destination: "SESTO", arrivalDeadline: Date(timeIntervalSince1970: 1_801_000_000),
                                    routingStatus: "ROUTED", transportStatus: "ONBOARD_CARRIER", misdirected: false, lastKnownLocation: nil,
                                    estimatedArrival: nil, route: plan))
    let tokens = Mutex<[String]>([])

    func update(_ change: (OperatedCargo) -> OperatedCargo) -> OperatedCargo { state.withLock { $0 = change($0); return $0 } }

    func cargos(accessToken: String) async throws -> [OperatedCargo] { [state.withLock { $0 }] }
    func cargo(id: String, accessToken: String) async throws -> OperatedCargo? { id == "ABCD1234" ? state.withLock { $0 } : nil }
    func book(origin: String, destination: String, arrivalDeadline: Date, accessToken: String) async throws -> OperatedCargo {
        throw StorefrontError.refused(field: nil, detail: "not in this test")
    }
    func candidateRoutes(id: String, accessToken: String) async throws -> [[Tracking.Leg]] {
        [[Tracking.Leg(voyage: "V200", from: "JNTKO", to: "SESTO", departs: Date(timeIntervalSince1970: 1_800_200_000), arrives: Date(timeIntervalSince1970: 1_800_300_000))]]
    }
    func assign(route: [Tracking.Leg], to id: String, accessToken: String) async throws -> OperatedCargo {
        update { OperatedCargo(trackingID: $0.trackingID, origin: $0.origin, routeOrigin: $0.routeOrigin, destination: $0.destination,
                               arrivalDeadline: $0.arrivalDeadline, routingStatus: "ROUTED", transportStatus: $0.transportStatus, misdirected: false, lastKnownLocation: $0.lastKnownLocation,
                               estimatedArrival: route.last?.arrives, route: route) }
    }
    func changeDestination(of id: String, to destination: String, accessToken: String) async throws -> OperatedCargo { state.withLock { $0 } }
    func reroute(id: String, accessToken: String) async throws -> OperatedCargo {
        let cargo = state.withLock { $0 }
        guard cargo.canBeRerouted else { throw StorefrontError.refused(field: nil, detail: "only a misdirected cargo in port is rerouted") }
        // As the cargo context does: the journey starts where the cargo is; the old route no longer fits, and the
        // cargo stays misdirected until a new route is assigned.
        return update { OperatedCargo(trackingID: $0.trackingID, origin: $0.origin, routeOrigin: $0.lastKnownLocation, destination: $0.destination,
                                      arrivalDeadline: $0.arrivalDeadline, routingStatus: "MISROUTED", transportStatus: $0.transportStatus,
                                      misdirected: true, lastKnownLocation: $0.lastKnownLocation, estimatedArrival: nil, route: $0.route) }
    }
    func report(_ event: HandlingReport, accessToken: String) async throws -> Tracking {
        tokens.withLock { $0.append(accessToken) }
        let planned = Self.plan.contains { $0.to == event.location } || event.type != .unload
        let cargo = update { OperatedCargo(trackingID: $0.trackingID, origin: $0.origin, routeOrigin: $0.routeOrigin, destination: $0.destination, arrivalDeadline: $0.arrivalDeadline,
                                           routingStatus: $0.routingStatus, transportStatus: event.type == .unload ? "IN_PORT" : $0.transportStatus,
                                           misdirected: !planned, lastKnownLocation: event.location, estimatedArrival: nil, route: $0.route) }
        return Tracking(trackingID: cargo.trackingID, status: "In port \(event.location)", destination: cargo.destination, estimatedArrival: nil,
                        nextActivity: nil, misdirected: cargo.misdirected, events: [])
    }
    func reportBatch(csv: String, accessToken: String) async throws -> BatchOutcome {
        csv.contains("XXXXX") ? .refused(detail: "Some lines cannot be reported.", lines: [(line: 2, reason: "unknown location XXXXX")]) : .accepted(1)
    }
    func voyages() async throws -> [String] { ["V100", "V200"] }
}

/// The product context's administration, in memory, with the rules the pages meet: administrators only, one
/// product per SKU, a change refused unless based on the current version, stock never below what is held.
final class MemoryCatalogAdministration: CatalogAdministration {
    struct State {
        var products: [String: ManagedProduct] = [:]
        var stock: [String: StockLevel] = [:]
        var versions = 0
    }

    let state = Mutex(State())

    func authorize(_ accessToken: String) throws {
        guard accessToken.hasPrefix("admin") else { throw StorefrontError.forbidden("The catalog lets administrators alone change products and stock.") }
    }

    func products(words: String?, cursor: String?, accessToken: String) async throws -> ManagedProductPage {
        try authorize(accessToken)
        let all = state.withLock { Array($0.products.values) }.filter { words == nil || $0.name.localizedCaseInsensitiveContains(words!) }
        return ManagedProductPage(products: all.sorted { $0.name < $1.name }, nextCursor: nil)
    }

    func product(id: String, accessToken: String) async throws -> ManagedProduct? {
        try authorize(accessToken)
        return state.withLock { $0.products[id] }
    }

    func stock(sku: String) async throws -> StockLevel? { state.withLock { $0.stock[sku] } }

    func create(sku: String, _ draft: ProductDraft, accessToken: String) async throws -> ManagedProduct {
        try authorize(accessToken)
        return try state.withLock { state in
            guard !state.products.values.contains(where: { $0.sku == sku }) else {
                throw StorefrontError.refused(field: "sku", detail: "A product with this SKU exists already.")
            }
            state.versions += 1
            let product = ManagedProduct(id: UUID().uuidString.lowercased(), sku: sku, name: draft.name, description: draft.description, price: draft.price,
                                         categoryID: draft.categoryID, attributes: [:], imageURLs: draft.imageURLs, active: true,
                                         version: "\"\(state.versions)\"")
            state.products[product.id] = product
            return product
        }
    }

    func update(id: String, _ draft: ProductDraft, active: Bool, attributes: [String: String], version: String,
                accessToken: String) async throws -> ManagedProduct {
        try authorize(accessToken)
        return try change(id: id, version: version) { current, next in
            ManagedProduct(id: id, sku: current.sku, name: draft.name, description: draft.description, price: draft.price, categoryID: draft.categoryID,
                           attributes: attributes, imageURLs: draft.imageURLs, active: active, version: next)
        }
    }

    func deactivate(id: String, version: String, accessToken: String) async throws -> ManagedProduct {
        try authorize(accessToken)
        return try change(id: id, version: version) { current, next in
            ManagedProduct(id: id, sku: current.sku, name: current.name, description: current.description, price: current.price,
                           categoryID: current.categoryID, attributes: current.attributes, imageURLs: current.imageURLs, active: false, version: next)
        }
    }

    func setStock(sku: String, onHand: Int, accessToken: String) async throws -> StockLevel {
        try authorize(accessToken)
        return try state.withLock { state in
            let reserved = state.stock[sku]?.reserved ?? 0
            guard onHand >= reserved else {
                throw StorefrontError.refused(field: "onHand", detail: "On hand cannot go below the \(reserved) units reserved for orders")
            }
            let level = StockLevel(onHand: onHand, reserved: reserved, available: onHand - reserved)
            state.stock[sku] = level
            return level
        }
    }

    /// Someone else's change, as another administrator's page would make it.
    func changeBehindTheirBack(id: String, name: String) {
        state.withLock { state in
            guard let current = state.products[id] else { return }
            state.versions += 1
            state.products[id] = ManagedProduct(id: id, sku: current.sku, name: name, description: current.description, price: current.price,
                                                categoryID: current.categoryID, attributes: current.attributes, imageURLs: current.imageURLs,
                                                active: current.active, version: "\"\(state.versions)\"")
        }
    }

    func hold(_ units: Int, of sku: String) {
        state.withLock { state in
            let onHand = state.stock[sku]?.onHand ?? 0
            state.stock[sku] = StockLevel(onHand: onHand, reserved: units, available: onHand - units)
        }
    }

    private func change(id: String, version: String, _ make: (ManagedProduct, String) -> ManagedProduct) throws -> ManagedProduct {
        try state.withLock { state in
            guard let current = state.products[id] else { throw StorefrontError.refused(field: nil, detail: "No product has this id any more.") }
            guard current.version == version else { throw StorefrontError.stale }
            state.versions += 1
            let next = make(current, "\"\(state.versions)\"")
            state.products[id] = next
            return next
        }
    }
}
