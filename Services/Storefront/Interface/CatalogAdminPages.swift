import Foundation
import Hummingbird
import StorefrontApplication
import StorefrontDomain
import TradewindKernel
import TradewindRuntime

/// The catalog's administration, for administrators: every product (listed or not) with its stock; add a product;
/// change one, based on the version the page showed (someone else's change in between is not overwritten); take it
/// off the catalog or put it back; set its stock on hand.
enum CatalogAdminPages {
    static let accessPolicy: [String: AccessRule] = [
        "GET /admin/products": .open, "GET /admin/products/new": .open, "POST /admin/products": .open, "GET /admin/products/{id}": .open,
        "POST /admin/products/{id}": .open, "POST /admin/products/{id}/listing": .open, "POST /admin/products/{id}/stock": .open,
    ]

    struct ProductForm: PostedForm {
        var formToken: String?
        var sku: String?
        var name: String?
        var description: String?
        var price: String?
        var currency: String?
        var categoryId: String?
        var imageUrls: String?
        /// The version the page showed; absent for a new product.
        var version: String?
    }

    struct ListingForm: PostedForm {
        var formToken: String?
        var version: String?
        var listed: String?
    }

    struct StockForm: PostedForm {
        var formToken: String?
        var onHand: String?
    }

    static func register(_ shop: Shop, on router: Router<ServiceRequestContext>) {
        router.get("/admin/products") { request, _ -> Either in
            let (session, away) = try await shop.signedIn(request, back: "/admin/products")
            if let away { return away }
            let parameters = request.uri.queryParameters
            let words = parameters["q"].map { String($0).trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            let cursor = parameters["after"].map(String.init)
            if let words, words.count > 100 { throw StorefrontError.invalidQuery("search words are at most 100 characters") }
            if let cursor, cursor.utf8.count > 512 { throw StorefrontError.invalidQuery("the page marker is not valid") }
            let (entries, next) = try await shop.administration.products(words: words, cursor: cursor, session)
            let model = AdminProductsModel(entries: entries, words: words, next: next)
            return .page(try await shop.render("admin-products", model, request: request, session: session))
        }

        router.get("/admin/products/new") { request, _ -> Either in
            let (session, away) = try await shop.signedIn(request, back: "/admin/products/new")
            if let away { return away }
            guard AdministerCatalog.isAdministrator(session) else { throw StorefrontError.forbidden(AdministerCatalog.refusal) }
            return .page(try await productPage(shop, entry: nil, form: ProductForm(currency: "EUR"), request: request, session: session))
        }

        router.post("/admin/products") { request, _ -> Either in
            let (form, session) = try await changing(ProductForm.self, shop, request)
            switch draft(form) {
            case .failure(let problems):
                var problems = problems.byField
                if ProductDraft.sku(form.sku ?? "") == nil { problems["sku"] = ProductDraft.skuRule }
                return .page(try await productPage(shop, entry: nil, form: form, problems: problems, request: request, session: session,
                                                   status: .unprocessableContent))
            case .success(let draft):
                do {
                    let product = try await shop.administration.create(sku: form.sku ?? "", draft, session)
                    try await shop.sessions.save(OperationsPages.noticed(session, "\(product.name) is in the catalog; give it stock to sell it."),
                                                 for: request)
                    return .redirect(SeeOther(location: "/admin/products/\(product.id)"))
                } catch StorefrontError.refused(let field, let detail) {
                    return .page(try await productPage(shop, entry: nil, form: form, problems: field.map { [$0: detail] } ?? [:],
                                                       error: field == nil ? detail : nil, request: request, session: session,
                                                       status: .unprocessableContent))
                }
            }
        }

        router.get("/admin/products/:id") { request, context -> Either in
            let id = context.parameters.get("id") ?? ""
            let (session, away) = try await shop.signedIn(request, back: "/admin/products/\(id)")
            if let away { return away }
            return .page(try await existingProductPage(shop, id: id, request: request, session: session))
        }

        router.post("/admin/products/:id") { request, context -> Either in
            let id = context.parameters.get("id") ?? ""
            let (form, session) = try await changing(ProductForm.self, shop, request)
            guard let version = form.version, !version.isEmpty else { throw FormProblem.unreadable }
            switch draft(form) {
            case .failure(let problems):
                return .page(try await existingProductPage(shop, id: id, form: form, problems: problems.byField, request: request, session: session,
                                                           status: .unprocessableContent))
            case .success(let draft):
                return try await saving(shop, id: id, form: form, request: request, session: session, done: "The product is saved.") {
                    _ = try await shop.administration.update(id: id, draft, version: version, session)
                }
            }
        }

        router.post("/admin/products/:id/listing") { request, context -> Either in
            let id = context.parameters.get("id") ?? ""
            let (form, session) = try await changing(ListingForm.self, shop, request)
            guard let version = form.version, !version.isEmpty, let listed = form.listed.flatMap(Bool.init) else { throw FormProblem.unreadable }
            let done = listed ? "The product is back in the catalog." : "The product is off the catalog: shoppers no longer see it or order it."
            return try await saving(shop, id: id, form: nil, request: request, session: session, done: done) {
                _ = try await shop.administration.list(id: id, listed: listed, version: version, session)
            }
        }

        router.post("/admin/products/:id/stock") { request, context -> Either in
            let id = context.parameters.get("id") ?? ""
            let (form, session) = try await changing(StockForm.self, shop, request)
            guard let onHand = form.onHand.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), (0...1_000_000).contains(onHand) else {
                return .page(try await existingProductPage(shop, id: id, problems: ["onHand": "Enter a whole number of units, 0 to 1,000,000."],
                                                           request: request, session: session, status: .unprocessableContent))
            }
            guard let entry = try await shop.administration.product(id: id, session) else { return .page(try await notFound(shop, request, session)) }
            do {
                let stock = try await shop.administration.setStock(sku: entry.product.sku, onHand: onHand, session)
                try await shop.sessions.save(OperationsPages.noticed(session, "\(stock.onHand) on hand, \(stock.available) available."), for: request)
                return .redirect(SeeOther(location: "/admin/products/\(id)"))
            } catch StorefrontError.refused(_, let detail) {
                return .page(try await existingProductPage(shop, id: id, problems: ["onHand": detail], request: request, session: session,
                                                           status: .unprocessableContent))
            }
        }
    }

    /// A form post of an administrator: the fields, and the session with a fresh access token.
    static func changing<Form: PostedForm>(_ form: Form.Type, _ shop: Shop, _ request: Request) async throws -> (Form, ShopperSession) {
        let (fields, loaded) = try await shop.change(Form.self, request)
        let session = try await shop.account.current(loaded)
        if session != loaded { try await shop.sessions.save(session, for: request) }
        guard AdministerCatalog.isAdministrator(session) else {
            throw session.account == nil ? StorefrontError.signedOut : StorefrontError.forbidden(AdministerCatalog.refusal)
        }
        return (fields, session)
    }

    static func draft(_ form: ProductForm) -> Result<ProductDraft, FieldProblems> {
        ProductDraft.checked(name: form.name ?? "", description: form.description ?? "", price: form.price ?? "", currency: form.currency ?? "",
                             categoryID: form.categoryId ?? "", imageURLs: form.imageUrls ?? "")
    }

    /// Runs a change of a product, then shows it (303), or its page with the problem; a change based on an older
    /// version is not made, and the page shows the current version to make it on again.
    static func saving(_ shop: Shop, id: String, form: ProductForm?, request: Request, session: ShopperSession, done: String,
                       _ change: () async throws -> Void) async throws -> Either {
        do {
            try await change()
            try await shop.sessions.save(OperationsPages.noticed(session, done), for: request)
            return .redirect(SeeOther(location: "/admin/products/\(id)"))
        } catch StorefrontError.stale {
            return .page(try await existingProductPage(shop, id: id, error: "Someone changed this product since you opened it, so your change "
                + "was not saved: this is their version. Make your change again on it.", request: request, session: session, status: .conflict))
        } catch StorefrontError.refused(let field, let detail) {
            return .page(try await existingProductPage(shop, id: id, form: form, problems: field.map { [$0: detail] } ?? [:],
                                                       error: field == nil ? detail : nil, request: request, session: session,
                                                       status: .unprocessableContent))
        }
    }

    static func notFound(_ shop: Shop, _ request: Request, _ session: ShopperSession) async throws -> HTMLPage {
        try await shop.render("problem", ProblemModel(title: "Not found", detail: "No product has this id."), request: request, session: session,
                              status: .notFound)
    }

    /// The page of an existing product: `form` (what the administrator sent) in place of the product's own values,
    /// except for the version, which is always the current one when `form` has none.
    static func existingProductPage(_ shop: Shop, id: String, form: ProductForm? = nil, problems: [String: String] = [:], error: String? = nil,
                                    request: Request, session: ShopperSession, status: HTTPResponse.Status = .ok) async throws -> HTMLPage {
        guard let entry = try await shop.administration.product(id: id, session) else { return try await notFound(shop, request, session) }
        return try await productPage(shop, entry: entry, form: form, problems: problems, error: error, request: request, session: session, status: status)
    }

    static func productPage(_ shop: Shop, entry: AdministerCatalog.Entry?, form: ProductForm?, problems: [String: String] = [:], error: String? = nil,
                            request: Request, session: ShopperSession, status: HTTPResponse.Status = .ok) async throws -> HTMLPage {
        let model = AdminProductModel(entry: entry, form: form, categories: try await shop.administration.categories(), problems: problems,
                                      error: error, formToken: session.formToken)
        return try await shop.render("admin-product", model, request: request, session: session, status: status)
    }
}

struct AdminProductsModel {
    struct Row {
        let id: String
        let sku: String
        let name: String
        let price: String
        let listed: Bool
        let onHand: String
        let available: String
        let soldOut: Bool
    }

    let words: String?
    let rows: [Row]
    let empty: Bool
    let nextHref: String?

    init(entries: [AdministerCatalog.Entry], words: String?, next: String?) {
        self.words = words
        rows = entries.map { entry in
            Row(id: entry.product.id, sku: entry.product.sku, name: entry.product.name, price: entry.product.price.description,
                listed: entry.product.active, onHand: entry.stock.map { String($0.onHand) } ?? "–",
                available: entry.stock.map { String($0.available) } ?? "–", soldOut: entry.product.active && (entry.stock?.available ?? 0) == 0)
        }
        empty = entries.isEmpty
        nextHref = next.map { next in
            var components = URLComponents()
            components.path = "/admin/products"
            components.queryItems = (words.map { [URLQueryItem(name: "q", value: $0)] } ?? []) + [URLQueryItem(name: "after", value: next)]
            return components.string ?? "/admin/products"
        }
    }
}

struct AdminProductModel {
    struct Field {
        let value: String
        let problem: String?
    }

    struct CategoryChoice {
        let id: String
        let label: String
        let chosen: Bool
    }

    let isNew: Bool
    let title: String
    let id: String
    let action: String
    let version: String
    let listed: Bool
    let sku: Field
    let name: Field
    let description: Field
    let price: Field
    let currency: Field
    let categoryId: Field
    let imageUrls: Field
    let categories: [CategoryChoice]
    let stock: StockLevel?
    let onHand: Field
    let formToken: String
    let error: String?
    let hasProblems: Bool

    init(entry: AdministerCatalog.Entry?, form: CatalogAdminPages.ProductForm?, categories: [CatalogView.CategoryEntry], problems: [String: String],
         error: String?, formToken: String) {
        let product = entry?.product
        isNew = product == nil
        title = product.map { "\($0.name) (\($0.sku))" } ?? "A new product"
        id = product?.id ?? ""
        action = product.map { "/admin/products/\($0.id)" } ?? "/admin/products"
        version = form?.version ?? product?.version ?? ""
        listed = product?.active ?? true
        sku = Field(value: product?.sku ?? form?.sku ?? "", problem: problems["sku"])
        name = Field(value: form?.name ?? product?.name ?? "", problem: problems["name"])
        description = Field(value: form?.description ?? product?.description ?? "", problem: problems["description"])
        price = Field(value: form?.price ?? product.map { ProductDraft.priceField($0.price) } ?? "", problem: problems["price"])
        currency = Field(value: form?.currency ?? product?.price.currency.code ?? "EUR", problem: problems["currency"])
        let chosenCategory = form?.categoryId ?? product?.categoryID
        categoryId = Field(value: chosenCategory ?? "", problem: problems["categoryId"])
        imageUrls = Field(value: form?.imageUrls ?? product?.imageURLs.joined(separator: "\n") ?? "", problem: problems["imageUrls"])
        self.categories = categories.map { entry in
            CategoryChoice(id: entry.category.id, label: String(repeating: "— ", count: entry.depth) + entry.category.name,
                           chosen: entry.category.id == chosenCategory)
        }
        stock = entry?.stock
        onHand = Field(value: entry?.stock.map { String($0.onHand) } ?? "0", problem: problems["onHand"])
        self.formToken = formToken
        self.error = error
        hasProblems = !problems.isEmpty || error != nil
    }
}
