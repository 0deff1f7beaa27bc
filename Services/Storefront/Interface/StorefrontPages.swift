import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import StorefrontApplication
import StorefrontDomain
import TradewindKernel
import TradewindRuntime

/// The shopper's pages, rendered on the server: the catalog at `/` (categories, search, sort, pages) and each
/// product's page with its stock. A problem is a page that says what went wrong, never a stack trace.
public enum StorefrontPages {
    public struct UseCases: Sendable {
        let browse: BrowseCatalog
        let viewProduct: ViewProduct
        let account: ShopperAccount
        let cart: ShopperCart
        let orders: ShopperOrders
        let operations: OperateCargo
        let administration: AdministerCatalog

        public init(browse: BrowseCatalog, viewProduct: ViewProduct, account: ShopperAccount, cart: ShopperCart, orders: ShopperOrders,
                    operations: OperateCargo, administration: AdministerCatalog) {
            self.administration = administration
            self.browse = browse
            self.viewProduct = viewProduct
            self.account = account
            self.cart = cart
            self.orders = orders
            self.operations = operations
        }
    }

    public static let accessPolicy = AccessPolicy([
        "GET /": .open,
        "GET /products/{id}": .open,
        "GET /static/site.css": .open,
    ].merging(ShopperPages.accessPolicy) { first, _ in first }.merging(OrderPages.accessPolicy) { first, _ in first }
        .merging(OperationsPages.accessPolicy) { first, _ in first }.merging(CatalogAdminPages.accessPolicy) { first, _ in first })

    public static func register(
        _ useCases: UseCases, sessions: ShopperSessions, renderer: PageRenderer, stylesheet: String, on router: Router<ServiceRequestContext>
    ) {
        let shop = Shop(browse: useCases.browse, viewProduct: useCases.viewProduct, account: useCases.account, cart: useCases.cart,
                        orders: useCases.orders, operations: useCases.operations, administration: useCases.administration, sessions: sessions,
                        renderer: renderer)
        router.add(middleware: PageProblemMiddleware(renderer: renderer))
        router.get("/") { request, _ -> HTMLPage in
            let parameters = request.uri.queryParameters
            let query = try CatalogQuery(
                words: parameters["q"].map(String.init), category: parameters["category"].map(String.init),
                sort: parameters["sort"].flatMap { CatalogSort(rawValue: String($0)) } ?? .name,
                cursor: parameters["after"].map(String.init)
            )
            let view = try await useCases.browse(query)
            return try await shop.render("catalog", CatalogPageModel(view), request: request, session: await sessions.load(request))
        }

        router.get("/products/:id") { request, context -> HTMLPage in
            let (session, cookie) = try await sessions.loadOrBegin(request)
            return try await shop.productPage(id: context.parameters.get("id") ?? "", error: nil, request: request, session: session).setting(cookie)
        }

        router.get("/static/site.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: stylesheet)))
        }
        ShopperPages.register(shop, on: router)
        OrderPages.register(shop, on: router)
        OperationsPages.register(shop, on: router)
        CatalogAdminPages.register(shop, on: router)
    }
}

/// What every page handler works with: the use cases, the shopper's session, and the renderer.
struct Shop: Sendable {
    let browse: BrowseCatalog
    let viewProduct: ViewProduct
    let account: ShopperAccount
    let cart: ShopperCart
    let orders: ShopperOrders
    let operations: OperateCargo
    let administration: AdministerCatalog
    let sessions: ShopperSessions
    let renderer: PageRenderer

    /// The signed-in session with a fresh access token (saved if it was renewed), or, for a shopper who is not
    /// signed in, the redirect to the sign-in page that comes back to `path`.
    func signedIn(_ request: Request, back path: String) async throws -> (ShopperSession, Either?) {
        guard let loaded = await sessions.load(request) else {
            return (ShopperSession(formToken: ""), .redirect(SeeOther(location: "/sign-in?next=\(path)")))
        }
        let session = try await account.current(loaded)
        if session != loaded { try await sessions.save(session, for: request) }
        guard session.account != nil else { return (session, .redirect(SeeOther(location: "/sign-in?next=\(path)"))) }
        return (session, nil)
    }

    /// Renders a page with the layout's header for `session`, and says its notice once.
    func render(
        _ template: String, _ content: some Sendable, request: Request, session: ShopperSession?, status: HTTPResponse.Status = .ok
    ) async throws -> HTMLPage {
        var notice: String?
        if var session, let said = session.notice {
            notice = said
            session.notice = nil
            try? await sessions.save(session, for: request)
        }
        return try renderer.page(template, content, chrome: Chrome(session: session, notice: notice), status: status)
    }

    func productPage(id: String, error: String?, request: Request, session: ShopperSession, status: HTTPResponse.Status = .ok) async throws -> HTMLPage {
        guard let view = try await viewProduct(id: id) else {
            return try await render("problem", ProblemModel(title: "Not found", detail: "The shop does not sell this product."),
                                    request: request, session: session, status: .notFound)
        }
        return try await render("product", ProductPageModel(view, formToken: session.formToken, error: error), request: request, session: session,
                                status: status)
    }

    /// A form post's fields and the session it belongs to: refused (403) unless it brings back the session's form
    /// token, so another site cannot make a shopper's browser change anything.
    func change<Form: PostedForm>(_ form: Form.Type, _ request: Request) async throws -> (Form, ShopperSession) {
        let body: ByteBuffer
        do {
            // Room for a CSV batch of a thousand handling lines.
            body = try await request.body.collect(upTo: 256 * 1024)
        } catch {
            throw FormProblem.tooLarge
        }
        let fields: Form
        do {
            fields = try Self.decode(Form.self, body, contentType: request.headers[.contentType] ?? "")
        } catch {
            throw FormProblem.unreadable
        }
        let session = await sessions.load(request)
        guard let session, ShopperSessions.formTokenMatches(fields.formToken, session) else { throw FormProblem.expired }
        return (fields, session)
    }
}

extension Shop {
    /// A form as browsers send it: URL-encoded, or `multipart/form-data` when it carries a file.
    static func decode<Form: Decodable>(_ form: Form.Type, _ body: ByteBuffer, contentType: String) throws -> Form {
        let parameters = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        switch parameters.first?.lowercased() {
        case "application/x-www-form-urlencoded":
            return try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
        case "multipart/form-data":
            let boundary = parameters.dropFirst().first { $0.lowercased().hasPrefix("boundary=") }.map {
                String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            guard let boundary, (1...70).contains(boundary.utf8.count) else { throw FormProblem.unreadable }
            return try FormDataDecoder().decode(Form.self, from: body, boundary: boundary)
        default:
            throw FormProblem.unreadable
        }
    }
}

/// The fields of a form the shop's pages post, each with the session's form token.
protocol PostedForm: Decodable {
    var formToken: String? { get }
}

enum FormProblem: Error {
    /// The form's token is not the session's: an old page, an ended session, or another site's form.
    case expired
    case unreadable
    case tooLarge
}

/// Answers what a page handler throws with a page that says it: never a stack trace, never problem+json.
struct PageProblemMiddleware: RouterMiddleware {
    let renderer: PageRenderer

    func handle(_ request: Request, context: ServiceRequestContext, next: (Request, ServiceRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as StorefrontError {
            let (title, detail, status) = Self.explain(error)
            return try renderer.page("problem", ProblemModel(title: title, detail: detail), status: status).response(from: request, context: context)
        } catch let error as FormProblem {
            let (problem, status): (ProblemModel, HTTPResponse.Status) = switch error {
            case .expired: (ProblemModel(title: "This form has expired", detail: "Go back, reload the page, and send the form again."), .forbidden)
            case .unreadable: (ProblemModel(title: "This form could not be read", detail: "Go back, reload the page, and send the form again."), .badRequest)
            case .tooLarge:
                (ProblemModel(title: "Too much to send at once", detail: "Send less at a time (a batch of at most a thousand lines)."), .contentTooLarge)
            }
            return try renderer.page("problem", problem, status: status).response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            // A path the shop does not have: a page a person can read, with the way back.
            let problem = ProblemModel(title: "Page not found", detail: "The shop has no page at this address.")
            return try renderer.page("problem", problem, status: .notFound).response(from: request, context: context)
        }
    }

    static func explain(_ error: StorefrontError) -> (String, String, HTTPResponse.Status) {
        switch error {
        case .invalidQuery(let detail): ("That search cannot be shown", detail, .badRequest)
        case .unavailable(let detail): ("Please try again in a moment", "\(detail).", .serviceUnavailable)
        case .refused(_, let detail): ("That did not work", detail, .unprocessableContent)
        case .signInRefused, .signedOut: ("Please sign in again", "Your sign-in has ended.", .unauthorized)
        case .throttled: ("Too many attempts", "Wait a minute, then try again.", .tooManyRequests)
        case .forbidden(let detail): ("Not for this account", detail, .forbidden)
        case .stale: ("Changed in the meantime", "Someone changed this since the page was shown: reload it and make the change again.", .conflict)
        }
    }
}

// MARK: What the templates see

struct ProblemModel {
    let title: String
    let detail: String
}

struct ProductCard {
    let id: String
    let name: String
    let price: String
    let image: String?

    init(_ product: ShopProduct) {
        id = product.id
        name = product.name
        price = product.price.description
        image = product.imageURLs.first
    }
}

struct CatalogPageModel {
    struct CategoryLink {
        let name: String
        let href: String
        let chosen: Bool
        let indent: Int
    }

    struct SortChoice {
        let value: String
        let label: String
        let selected: Bool
    }

    let title: String
    let words: String?
    let category: String?
    let categories: [CategoryLink]
    let sorts: [SortChoice]
    let products: [ProductCard]
    let empty: Bool
    let nextHref: String?

    init(_ view: CatalogView) {
        let query = view.query
        title = view.chosen?.name ?? (query.words.map { "Results for “\($0)”" } ?? "All products")
        words = query.words
        category = query.category
        categories = [CategoryLink(name: "All products", href: "/", chosen: query.category == nil, indent: 0)]
            + view.categories.map { entry in
                CategoryLink(name: entry.category.name, href: Self.href(category: entry.category.slug), chosen: entry.isChosen, indent: entry.depth)
            }
        let labels: [CatalogSort: String] = [.name: "Name", .priceAscending: "Price, lowest first", .priceDescending: "Price, highest first", .newest: "Newest"]
        sorts = CatalogSort.allCases.map { SortChoice(value: $0.rawValue, label: labels[$0] ?? $0.rawValue, selected: $0 == query.sort) }
        products = view.page.products.map(ProductCard.init)
        empty = view.page.products.isEmpty
        nextHref = view.page.nextCursor.map { Self.href(words: query.words, category: query.category, sort: query.sort, after: $0) }
    }

    static func href(words: String? = nil, category: String? = nil, sort: CatalogSort = .name, after: String? = nil) -> String {
        var components = URLComponents()
        components.path = "/"
        var items: [URLQueryItem] = []
        if let words { items.append(URLQueryItem(name: "q", value: words)) }
        if let category { items.append(URLQueryItem(name: "category", value: category)) }
        if sort != .name { items.append(URLQueryItem(name: "sort", value: sort.rawValue)) }
        if let after { items.append(URLQueryItem(name: "after", value: after)) }
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? "/"
    }
}

struct ProductPageModel {
    let title: String
    let formToken: String
    let error: String?
    let product: ProductCard
    let sku: String
    let description: String
    let images: [String]
    let stock: String
    let inStock: Bool

    init(_ view: ViewProduct.View, formToken: String, error: String?) {
        title = view.product.name
        self.formToken = formToken
        self.error = error
        product = ProductCard(view.product)
        sku = view.product.sku
        description = view.product.description
        images = view.product.imageURLs
        switch view.available {
        case nil: stock = "Stock unknown"; inStock = false
        case 0?: stock = "Out of stock"; inStock = false
        case let count? where count < 5: stock = "Only \(count) left"; inStock = true
        case let count?: stock = "In stock (\(count))"; inStock = true
        }
    }
}
