import Foundation
import OpenAPIRuntime
import ProductContracts
import StorefrontDomain
import TradewindKernel
import TradewindRuntime

/// The catalog's administration through the product context's published client (`ProductContracts.Client`), with
/// the signed-in administrator's own access token: the product context decides who may.
public struct ProductAdministrationClient: CatalogAdministration {
    let transport: ServiceClientTransport

    public init(client: ServiceClient, timeout: Duration = .seconds(5)) {
        transport = ServiceClientTransport(client, service: ProductContract.service, timeout: timeout)
    }

    func client(_ accessToken: String?) -> Client {
        Client(serverURL: ServiceClientTransport.serverURL(for: ProductContract.service), configuration: .tradewind, transport: transport,
               middlewares: accessToken.map { [ForwardedAuthorization(bearerToken: $0)] } ?? [])
    }

    public func products(words: String?, cursor: String?, accessToken: String) async throws -> ManagedProductPage {
        let answer = try await reach(Self.unavailable) {
            try await client(accessToken).listProducts(query: .init(q: words, includeInactive: true, sort: .name, limit: 50, cursor: cursor))
        }
        switch answer {
        case .ok(let ok):
            let page = try ok.body.json
            return ManagedProductPage(products: page.items.compactMap { Self.product($0, eTag: nil) }, nextCursor: page.nextCursor)
        case .badRequest, .unprocessableContent: throw StorefrontError.invalidQuery("the catalog cannot answer this search; start again from the list")
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func product(id: String, accessToken: String) async throws -> ManagedProduct? {
        guard UUID(uuidString: id) != nil else { return nil }
        switch try await reach(Self.unavailable, { try await client(accessToken).getProduct(path: .init(id: id)) }) {
        case .ok(let ok): return Self.product(try ok.body.json, eTag: ok.headers.eTag)
        case .notFound: return nil
        case .unauthorized: throw StorefrontError.signedOut
        default: throw Self.unavailable
        }
    }

    public func stock(sku: String) async throws -> StockLevel? {
        switch try await reach(Self.unavailable, { try await client(nil).getStock(path: .init(sku: sku)) }) {
        case .ok(let ok): return Self.stock(try ok.body.json)
        case .notFound: return nil
        default: throw Self.unavailable
        }
    }

    public func create(sku: String, _ draft: ProductDraft, accessToken: String) async throws -> ManagedProduct {
        let input = Components.Schemas.ProductInput(
            sku: sku, name: draft.name, description: draft.description, price: Self.money(draft.price), categoryId: draft.categoryID,
            imageUrls: draft.imageURLs, active: true
        )
        switch try await reach(Self.unavailable, { try await client(accessToken).createProduct(body: .json(input)) }) {
        case .created(let created):
            guard let product = Self.product(try created.body.json, eTag: created.headers.eTag) else { throw Self.unavailable }
            return product
        case .conflict: throw StorefrontError.refused(field: "sku", detail: "A product with this SKU exists already.")
        case .badRequest(let problem), .unprocessableContent(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func update(id: String, _ draft: ProductDraft, active: Bool, attributes: [String: String], version: String,
                       accessToken: String) async throws -> ManagedProduct {
        let change = Components.Schemas.ProductUpdate(
            name: draft.name, description: draft.description, price: Self.money(draft.price), categoryId: draft.categoryID,
            attributes: .init(additionalProperties: attributes), imageUrls: draft.imageURLs, active: active
        )
        let answer = try await reach(Self.unavailable) {
            try await client(accessToken).updateProduct(path: .init(id: id), headers: .init(ifMatch: version), body: .json(change))
        }
        switch answer {
        case .ok(let ok):
            guard let product = Self.product(try ok.body.json, eTag: ok.headers.eTag) else { throw Self.unavailable }
            return product
        case .preconditionFailed, .preconditionRequired: throw StorefrontError.stale
        case .notFound: throw StorefrontError.refused(field: nil, detail: "No product has this id any more.")
        case .badRequest(let problem), .unprocessableContent(let problem): throw Self.refused(problem)
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func deactivate(id: String, version: String, accessToken: String) async throws -> ManagedProduct {
        let answer = try await reach(Self.unavailable) {
            try await client(accessToken).deactivateProduct(path: .init(id: id), headers: .init(ifMatch: version))
        }
        switch answer {
        case .ok(let ok):
            guard let product = Self.product(try ok.body.json, eTag: ok.headers.eTag) else { throw Self.unavailable }
            return product
        case .preconditionFailed, .preconditionRequired: throw StorefrontError.stale
        case .notFound: throw StorefrontError.refused(field: nil, detail: "No product has this id any more.")
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    public func setStock(sku: String, onHand: Int, accessToken: String) async throws -> StockLevel {
        switch try await reach(Self.unavailable, { try await client(accessToken).setStock(path: .init(sku: sku), body: .json(.init(onHand: onHand))) }) {
        case .ok(let ok): return Self.stock(try ok.body.json)
        case .conflict(let problem), .notFound(let problem), .badRequest(let problem), .unprocessableContent(let problem):
            throw Self.refused(problem, field: "onHand")
        case .unauthorized: throw StorefrontError.signedOut
        case .forbidden: throw Self.forbidden
        default: throw Self.unavailable
        }
    }

    static let unavailable = StorefrontError.unavailable("the catalog is not answering")
    static let forbidden = StorefrontError.forbidden("The catalog lets administrators alone change products and stock.")

    /// The product context's problem, next to the field its detail starts with (`price.amount must not be negative`).
    static func refused(_ problem: Components.Responses.Problem, field: String? = nil) -> StorefrontError {
        guard case .applicationProblemJson(let body) = problem.body else { return .refused(field: field, detail: "The catalog refused this.") }
        let detail = body.detail ?? body.title
        let named = detail.split(separator: " ").first.map { String($0.split(separator: ".").first ?? $0) }
        let known = ["sku", "name", "description", "price", "categoryId", "imageUrls", "onHand"]
        return .refused(field: field ?? named.flatMap { known.contains($0) ? $0 : nil }, detail: detail.prefix(1).uppercased() + detail.dropFirst())
    }

    static func money(_ money: Money) -> Components.Schemas.Money { .init(amount: money.minorUnits, currency: money.currency.code) }

    static func stock(_ level: Components.Schemas.StockLevel) -> StockLevel {
        StockLevel(onHand: level.onHand, reserved: level.reserved, available: level.available)
    }

    static func product(_ product: Components.Schemas.Product, eTag: String?) -> ManagedProduct? {
        guard let currency = Currency(product.price.currency) else { return nil }
        return ManagedProduct(
            id: product.id, sku: product.sku, name: product.name, description: product.description,
            price: Money(minorUnits: product.price.amount, currency: currency), categoryID: product.categoryId,
            attributes: product.attributes.additionalProperties, imageURLs: product.imageUrls, active: product.active,
            version: eTag ?? "\"\(product.version)\""
        )
    }
}
