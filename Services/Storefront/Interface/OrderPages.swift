import Foundation
import Hummingbird
import StorefrontApplication
import StorefrontDomain
import TradewindKernel
import TradewindRuntime

/// Checkout, the customer's orders, and the public tracking page. A page for customers only sends a shopper who
/// is not signed in to the sign-in page, and back here afterwards.
enum OrderPages {
    static let accessPolicy: [String: AccessRule] = [
        "GET /checkout": .open, "POST /checkout": .open, "GET /orders": .open, "GET /orders/{id}": .open,
        "GET /track": .open, "GET /track/{trackingId}": .open,
    ]

    struct CheckoutForm: PostedForm {
        var formToken: String?
        var orderKey: String?
        var name: String?
        var street: String?
        var city: String?
        var postalCode: String?
        var country: String?
        var destination: String?
    }

    static func register(_ shop: Shop, on router: Router<ServiceRequestContext>) {
        router.get("/checkout") { request, _ -> Either in
            let (session, away) = try await shop.signedIn(request, back: "/checkout")
            if let away { return away }
            guard let account = session.account else { throw StorefrontError.signedOut }
            let (cart, _) = try await shop.cart.view(session)
            guard !cart.lines.isEmpty else { return .redirect(SeeOther(location: "/cart")) }
            let model = CheckoutModel(cart: cart, ports: try await shop.orders.ports(), formToken: session.formToken, orderKey: UUID().uuidString,
                                      form: CheckoutForm(name: account.displayName))
            return .page(try await shop.render("checkout", model, request: request, session: session))
        }

        router.post("/checkout") { request, _ -> Either in
            let (form, loaded) = try await shop.change(CheckoutForm.self, request)
            let session = try await shop.account.current(loaded)
            if session != loaded { try await shop.sessions.save(session, for: request) }
            guard session.account != nil else { return .redirect(SeeOther(location: "/sign-in?next=/checkout")) }
            guard let key = form.orderKey, (1...200).contains(key.utf8.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw FormProblem.expired
            }
            func again(_ problems: [String: String], error: String?) async throws -> Either {
                let (cart, _) = try await shop.cart.view(session)
                let model = CheckoutModel(cart: cart, ports: try await shop.orders.ports(), formToken: session.formToken, orderKey: key, form: form,
                                          problems: problems, error: error)
                return .page(try await shop.render("checkout", model, request: request, session: session, status: .unprocessableContent))
            }
            let checked = ShippingAddress.checked(
                name: form.name ?? "", street: form.street ?? "", city: form.city ?? "", postalCode: form.postalCode ?? "",
                country: form.country ?? "", destination: form.destination ?? ""
            )
            switch checked {
            case .failure(let problems):
                return try await again(problems.byField, error: nil)
            case .success(let address):
                do {
                    let order = try await shop.orders.checkout(shippingTo: address, key: key, session: session)
                    var next = session
                    next.notice = "Thank you! Your order is placed; this page follows it until it ships."
                    try await shop.sessions.save(next, for: request)
                    return .redirect(SeeOther(location: "/orders/\(order.id)"))
                } catch StorefrontError.refused(_, let detail) {
                    return try await again([:], error: detail)
                }
            }
        }

        router.get("/orders") { request, _ -> Either in
            let (session, away) = try await shop.signedIn(request, back: "/orders")
            if let away { return away }
            let cursor = request.uri.queryParameters["after"].map(String.init)
            if let cursor, cursor.utf8.count > 512 { throw StorefrontError.invalidQuery("the page marker is not valid") }
            let (orders, next) = try await shop.orders.list(after: cursor, session: session)
            let model = OrdersModel(orders: orders.map(OrderModel.init), empty: orders.isEmpty && cursor == nil,
                                    nextHref: next.flatMap { "/orders?after=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" })
            return .page(try await shop.render("orders", model, request: request, session: session))
        }

        router.get("/orders/:id") { request, context -> Either in
            let id = context.parameters.get("id") ?? ""
            let (session, away) = try await shop.signedIn(request, back: "/orders/\(id)")
            if let away { return away }
            guard let order = try await shop.orders.order(id: id, session: session) else {
                return .page(try await shop.render("problem", ProblemModel(title: "Not found", detail: "You have no order with this number."),
                                                   request: request, session: session, status: .notFound))
            }
            return .page(try await shop.render("order", OrderModel(order), request: request, session: session))
        }

        router.get("/track") { request, _ -> SeeOther in
            let id = (request.uri.queryParameters["id"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
            return SeeOther(location: "/track/\(id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        }

        router.get("/track/:trackingId") { request, context -> HTMLPage in
            let session = await shop.sessions.load(request)
            guard let (tracking, names) = try await shop.orders.tracking(id: context.parameters.get("trackingId") ?? "") else {
                return try await shop.render("problem", ProblemModel(title: "Not found", detail: "No shipment has this tracking number."),
                                             request: request, session: session, status: .notFound)
            }
            return try await shop.render("tracking", TrackingModel(tracking, portNames: names), request: request, session: session)
        }
    }

    static let dates: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMM yyyy, HH:mm 'UTC'"
        return formatter
    }()

    static func date(_ date: Date) -> String { dates.string(from: date) }
}

struct CheckoutModel {
    struct Field {
        let name: String
        let label: String
        let value: String
        let autocomplete: String
        let maxLength: Int
        let problem: String?
    }

    struct Choice {
        let code: String
        let name: String
        let chosen: Bool
    }

    struct Line {
        let name: String
        let quantity: Int
        let lineTotal: String
    }

    let formToken: String
    let orderKey: String
    let lines: [Line]
    let total: String
    let fields: [Field]
    let ports: [Choice]
    let destinationProblem: String?
    let error: String?

    init(cart: ShopCart, ports: [DestinationPort], formToken: String, orderKey: String, form: OrderPages.CheckoutForm,
         problems: [String: String] = [:], error: String? = nil) {
        self.formToken = formToken
        self.orderKey = orderKey
        lines = cart.lines.map { Line(name: $0.name, quantity: $0.quantity, lineTotal: $0.lineTotal.description) }
        total = cart.total?.description ?? ""
        fields = [
            Field(name: "name", label: "Name on the parcel", value: form.name ?? "", autocomplete: "name", maxLength: 100, problem: problems["name"]),
            Field(name: "street", label: "Street and number", value: form.street ?? "", autocomplete: "street-address", maxLength: 200,
                  problem: problems["street"]),
            Field(name: "postalCode", label: "Postal code", value: form.postalCode ?? "", autocomplete: "postal-code", maxLength: 20,
                  problem: problems["postalCode"]),
            Field(name: "city", label: "City", value: form.city ?? "", autocomplete: "address-level2", maxLength: 100, problem: problems["city"]),
            Field(name: "country", label: "Country (two letters, such as SE)", value: form.country ?? "", autocomplete: "country", maxLength: 2,
                  problem: problems["country"]),
        ]
        let chosen = form.destination?.uppercased()
        self.ports = ports.map { Choice(code: $0.code, name: $0.name, chosen: $0.code == chosen) }
        destinationProblem = problems["destination"]
        self.error = error
    }
}

struct OrderModel {
    struct Line {
        let name: String
        let quantity: Int
        let unitPrice: String
        let lineTotal: String
    }

    static let words: [ShopOrderStatus: String] = [
        .pending: "Received", .stockReserved: "Items reserved", .confirmed: "Confirmed", .shipped: "Shipped", .inTransit: "In transit",
        .delivered: "Delivered", .cancelled: "Cancelled", .failed: "Could not be completed",
    ]

    let id: String
    let status: String
    let statusKey: String
    let placedAt: String
    let lines: [Line]
    let total: String
    let address: ShippingAddress
    let failureReason: String?
    let trackingID: String?
    let trackingHref: String?
    /// Still on its way to shipping: the page reloads itself.
    let following: Bool

    init(_ order: ShopOrder) {
        id = order.id
        status = Self.words[order.status] ?? order.status.rawValue
        statusKey = order.status.rawValue
        placedAt = OrderPages.date(order.placedAt)
        lines = order.lines.map { Line(name: $0.name, quantity: $0.quantity, unitPrice: $0.unitPrice.description, lineTotal: $0.lineTotal.description) }
        total = order.total.description
        address = order.address
        failureReason = order.failureReason
        trackingID = order.trackingID
        trackingHref = order.trackingID.map { "/track/\($0)" }
        following = [.pending, .stockReserved, .confirmed].contains(order.status)
    }
}

struct OrdersModel {
    let orders: [OrderModel]
    let empty: Bool
    let nextHref: String?
}

struct TrackingModel {
    struct Event {
        let at: String
        let description: String
        let expected: Bool
    }

    struct Leg {
        let voyage: String
        let from: String
        let to: String
        let departs: String
        let arrives: String
    }

    let trackingID: String
    let status: String
    let destination: String
    let eta: String?
    let nextActivity: String?
    let misdirected: Bool
    let route: [Leg]
    let routed: Bool
    let events: [Event]
    let noEvents: Bool

    init(_ tracking: Tracking, portNames: [String: String]) {
        func place(_ code: String) -> String { portNames[code].map { "\($0) (\(code))" } ?? code }
        trackingID = tracking.trackingID
        status = tracking.status
        destination = place(tracking.destination)
        route = tracking.route.map {
            Leg(voyage: $0.voyage, from: place($0.from), to: place($0.to), departs: OrderPages.date($0.departs), arrives: OrderPages.date($0.arrives))
        }
        routed = !tracking.route.isEmpty
        eta = tracking.estimatedArrival.map(OrderPages.date)
        nextActivity = tracking.nextActivity
        misdirected = tracking.misdirected
        events = tracking.events.map { Event(at: OrderPages.date($0.completedAt), description: $0.description, expected: $0.expected) }
        noEvents = tracking.events.isEmpty
    }
}
