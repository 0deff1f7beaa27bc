import Foundation
import HTTPTypes
import OpenAPIRuntime
import ProductApplication
import ProductContracts
import ProductDomain
import TradewindKernel
import TradewindRuntime

/// The HTTP face of the product service: each operation generated from `openapi.yaml` calls one use case.
/// Versions travel as `ETag` / `If-Match`; errors are thrown and rendered by the runtime's problem middleware.
public struct ProductAPI: APIProtocol {
    public struct UseCases: Sendable {
        public var createCategory: CreateCategory
        public var updateCategory: UpdateCategory
        public var browseCategories: BrowseCategories
        public var createProduct: CreateProduct
        public var updateProduct: UpdateProduct
        public var deactivateProduct: DeactivateProduct
        public var browseProducts: BrowseProducts
        public var lookUpProducts: LookUpProducts
        public var getStock: GetStock
        public var setStock: SetStock
        public var reserveStock: ReserveStock
        public var getReservation: GetReservation
        public var releaseReservation: ReleaseReservation
        public var commitReservation: CommitReservation

        public init(
            createCategory: CreateCategory, updateCategory: UpdateCategory, browseCategories: BrowseCategories, createProduct: CreateProduct,
            updateProduct: UpdateProduct, deactivateProduct: DeactivateProduct, browseProducts: BrowseProducts,
            lookUpProducts: LookUpProducts, getStock: GetStock,
            setStock: SetStock, reserveStock: ReserveStock, getReservation: GetReservation, releaseReservation: ReleaseReservation,
            commitReservation: CommitReservation
        ) {
            self.createCategory = createCategory
            self.updateCategory = updateCategory
            self.browseCategories = browseCategories
            self.createProduct = createProduct
            self.updateProduct = updateProduct
            self.deactivateProduct = deactivateProduct
            self.browseProducts = browseProducts
            self.lookUpProducts = lookUpProducts
            self.getStock = getStock
            self.setStock = setStock
            self.reserveStock = reserveStock
            self.getReservation = getReservation
            self.releaseReservation = releaseReservation
            self.commitReservation = commitReservation
        }
    }

    let useCases: UseCases

    public init(useCases: UseCases) { self.useCases = useCases }

    // MARK: Categories

    public func listCategories(_ input: Operations.ListCategories.Input) async throws -> Operations.ListCategories.Output {
        .ok(.init(body: .json(.init(items: try await useCases.browseCategories.all().map(Components.Schemas.Category.init)))))
    }

    public func createCategory(_ input: Operations.CreateCategory.Input) async throws -> Operations.CreateCategory.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let category = try await useCases.createCategory.execute(name: body.name, slug: body.slug, parentID: try Self.parent(body.parentId))
        ResponseHeaders.setETag(version: category.version)
        ResponseHeaders.set(.location, "/categories/\(category.id)")
        return .created(.init(body: .json(.init(category))))
    }

    public func getCategory(_ input: Operations.GetCategory.Input) async throws -> Operations.GetCategory.Output {
        guard let id = CategoryID(input.path.id) else { throw ProductError.categoryNotFound }
        let category = try await useCases.browseCategories.category(id)
        ResponseHeaders.setETag(version: category.version)
        return .ok(.init(body: .json(.init(category))))
    }

    public func updateCategory(_ input: Operations.UpdateCategory.Input) async throws -> Operations.UpdateCategory.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        guard let id = CategoryID(input.path.id) else { throw ProductError.categoryNotFound }
        let version = try Self.expectedVersion(input.headers.ifMatch)
        let category = try await useCases.updateCategory.execute(
            id: id, expectedVersion: version, name: body.name, slug: body.slug, parentID: try Self.parent(body.parentId)
        )
        ResponseHeaders.setETag(version: category.version)
        return .ok(.init(body: .json(.init(category))))
    }

    // MARK: Products

    public func listProducts(_ input: Operations.ListProducts.Input) async throws -> Operations.ListProducts.Output {
        let query = input.query
        let limit = query.limit ?? 20
        guard (1...PageRequest.maximumLimit).contains(limit) else {
            throw Problem.validation("limit must be between 1 and \(PageRequest.maximumLimit)")
        }
        let sort: ProductSort = switch query.sort ?? .name {
        case .name: .name
        case .price: .price
        case ._hyphen_price: .priceDescending
        case .newest: .newest
        }
        let page = try await useCases.browseProducts.search(
            .init(text: query.q, categorySlug: query.category, minimumPrice: query.minPrice, maximumPrice: query.maxPrice,
                  currency: query.currency, includeInactive: query.includeInactive ?? false, sort: sort,
                  page: PageRequest(limit: limit, cursor: query.cursor)),
            caller: Self.caller()
        )
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Product.init), nextCursor: page.nextCursor))))
    }

    public func createProduct(_ input: Operations.CreateProduct.Input) async throws -> Operations.CreateProduct.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let details = try Self.details(
            name: body.name, description: body.description, price: body.price, categoryID: body.categoryId,
            attributes: body.attributes, imageURLs: body.imageUrls, active: body.active ?? true
        )
        let product = try await useCases.createProduct.execute(sku: try SKU(body.sku), details: details)
        ResponseHeaders.setETag(version: product.version)
        ResponseHeaders.set(.location, "/products/\(product.id)")
        return .created(.init(body: .json(.init(product))))
    }

    public func getProductBySKU(_ input: Operations.GetProductBySKU.Input) async throws -> Operations.GetProductBySKU.Output {
        guard let sku = try? SKU(input.path.sku) else { throw ProductError.productNotFound }
        let product = try await useCases.browseProducts.product(sku: sku, caller: Self.caller())
        ResponseHeaders.setETag(version: product.version)
        return .ok(.init(body: .json(.init(product))))
    }

    public func getProductsBySKU(_ input: Operations.GetProductsBySKU.Input) async throws -> Operations.GetProductsBySKU.Output {
        let found = try await useCases.lookUpProducts.execute(skus: input.query.sku, caller: Self.caller())
        return .ok(.init(body: .json(.init(items: found.map { .init(product: .init($0.product), stock: .init($0.stock)) }))))
    }

    public func getProduct(_ input: Operations.GetProduct.Input) async throws -> Operations.GetProduct.Output {
        guard let id = ProductID(input.path.id) else { throw ProductError.productNotFound }
        let product = try await useCases.browseProducts.product(id, caller: Self.caller())
        ResponseHeaders.setETag(version: product.version)
        return .ok(.init(body: .json(.init(product))))
    }

    public func updateProduct(_ input: Operations.UpdateProduct.Input) async throws -> Operations.UpdateProduct.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        guard let id = ProductID(input.path.id) else { throw ProductError.productNotFound }
        let version = try Self.expectedVersion(input.headers.ifMatch)
        let details = try Self.details(
            name: body.name, description: body.description, price: body.price, categoryID: body.categoryId,
            attributes: body.attributes, imageURLs: body.imageUrls, active: body.active
        )
        let product = try await useCases.updateProduct.execute(id: id, expectedVersion: version, details: details)
        ResponseHeaders.setETag(version: product.version)
        return .ok(.init(body: .json(.init(product))))
    }

    public func deactivateProduct(_ input: Operations.DeactivateProduct.Input) async throws -> Operations.DeactivateProduct.Output {
        guard let id = ProductID(input.path.id) else { throw ProductError.productNotFound }
        let product = try await useCases.deactivateProduct.execute(id: id, expectedVersion: try Self.expectedVersion(input.headers.ifMatch))
        ResponseHeaders.setETag(version: product.version)
        return .ok(.init(body: .json(.init(product))))
    }

    // MARK: Inventory and reservations

    public func getStock(_ input: Operations.GetStock.Input) async throws -> Operations.GetStock.Output {
        .ok(.init(body: .json(.init(try await useCases.getStock.execute(of: try Self.stockedSKU(input.path.sku))))))
    }

    public func setStock(_ input: Operations.SetStock.Input) async throws -> Operations.SetStock.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        return .ok(.init(body: .json(.init(try await useCases.setStock.execute(onHand: body.onHand, of: try Self.stockedSKU(input.path.sku))))))
    }

    public func reserveStock(_ input: Operations.ReserveStock.Input) async throws -> Operations.ReserveStock.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let request = try Self.reservationRequest(body)
        switch try await useCases.reserveStock.execute(order: request.order, lines: request.lines, lifetime: request.lifetime) {
        case .created(let reservation): return .created(.init(body: .json(.init(reservation))))
        case .existing(let reservation): return .ok(.init(body: .json(.init(reservation))))
        }
    }

    public func getReservation(_ input: Operations.GetReservation.Input) async throws -> Operations.GetReservation.Output {
        .ok(.init(body: .json(.init(try await useCases.getReservation.execute(for: try Self.order(input.path.orderId))))))
    }

    public func releaseReservation(_ input: Operations.ReleaseReservation.Input) async throws -> Operations.ReleaseReservation.Output {
        .ok(.init(body: .json(.init(try await useCases.releaseReservation.execute(try Self.order(input.path.orderId))))))
    }

    /// Each reservation as `reserveStock` makes it, all in one atomic write; a refusal becomes that reservation's
    /// result, any other failure fails the request.
    public func reserveStockForOrders(_ input: Operations.ReserveStockForOrders.Input) async throws -> Operations.ReserveStockForOrders.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        try Self.checkBatchSize(body.reservations.count)
        var results = [Components.Schemas.ReservationResult?](repeating: nil, count: body.reservations.count)
        var requests: [(index: Int, request: ReserveStock.Request)] = []
        for (index, entry) in body.reservations.enumerated() {
            do {
                requests.append((index, try Self.reservationRequest(entry)))
            } catch {
                results[index] = try Self.result(for: entry.orderId, .failure(error))
            }
        }
        let outcomes = try await useCases.reserveStock.execute(requests.map(\.request))
        for ((index, _), outcome) in zip(requests, outcomes) {
            results[index] = try Self.result(for: body.reservations[index].orderId, outcome.map { outcome in
                switch outcome {
                case .created(let reservation): (201, reservation)
                case .existing(let reservation): (200, reservation)
                }
            })
        }
        let minimal = Preferences(input.headers.prefer).returnsMinimal
        if minimal { ResponseHeaders.set(Preferences.appliedFieldName, Preferences.returnMinimal) }
        return .ok(.init(body: .json(.init(results: results.map { Self.answered($0!, minimal: minimal) }))))
    }

    /// Each commit as `commitReservation` makes it, all in one atomic write; a refusal becomes that order's result, any
    /// other failure fails the request.
    public func commitReservationsOfOrders(_ input: Operations.CommitReservationsOfOrders.Input) async throws -> Operations.CommitReservationsOfOrders.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        try Self.checkBatchSize(body.orderIds.count)
        var results = [Components.Schemas.ReservationResult?](repeating: nil, count: body.orderIds.count)
        var orders: [(index: Int, order: OrderReference)] = []
        for (index, orderID) in body.orderIds.enumerated() {
            do {
                orders.append((index, try Self.order(orderID)))
            } catch {
                results[index] = try Self.result(for: orderID, .failure(error))
            }
        }
        let outcomes = try await useCases.commitReservation.execute(orders.map(\.order))
        for ((index, _), outcome) in zip(orders, outcomes) {
            results[index] = try Self.result(for: body.orderIds[index], outcome.map { (200, $0) })
        }
        let minimal = Preferences(input.headers.prefer).returnsMinimal
        if minimal { ResponseHeaders.set(Preferences.appliedFieldName, Preferences.returnMinimal) }
        return .ok(.init(body: .json(.init(results: results.map { Self.answered($0!, minimal: minimal) }))))
    }

    /// A batch's result as the caller prefers it: with `return=minimal`, without the reservation.
    static func answered(_ result: Components.Schemas.ReservationResult, minimal: Bool) -> Components.Schemas.ReservationResult {
        guard minimal else { return result }
        var result = result
        result.reservation = nil
        return result
    }

    static let maximumBatch = 100

    static func checkBatchSize(_ count: Int) throws {
        guard (1...maximumBatch).contains(count) else {
            throw ProductError.invalid(field: "batch", reason: "must hold 1 to \(maximumBatch) entries, not \(count)")
        }
    }

    static func reservationRequest(_ body: Components.Schemas.ReservationRequest) throws -> ReserveStock.Request {
        guard let order = OrderReference(body.orderId) else { throw ProductError.invalid(field: "orderId", reason: "must be a UUID") }
        return ReserveStock.Request(
            order: order, lines: try body.lines.map { .init(sku: try SKU($0.sku), quantity: $0.quantity) }, lifetime: body.ttlSeconds.map(TimeInterval.init)
        )
    }

    /// One entry's result: its status and reservation, or the problem its refusal maps to. An error that is not a
    /// refusal is thrown: it fails the whole request.
    static func result<Failure: Error>(
        for orderID: String, _ outcome: Result<(Int, Reservation), Failure>
    ) throws -> Components.Schemas.ReservationResult {
        switch outcome {
        case .success(let (status, reservation)):
            return .init(orderId: orderID, status: status, reservation: .init(reservation))
        case .failure(let error):
            guard let problem = ProductProblems.map(error) else { throw error }
            return .init(orderId: orderID, status: Int(problem.status.code), problem: .init(
                _type: problem.type, title: problem.title, status: Int(problem.status.code), detail: problem.detail
            ))
        }
    }

    public func commitReservation(_ input: Operations.CommitReservation.Input) async throws -> Operations.CommitReservation.Output {
        .ok(.init(body: .json(.init(try await useCases.commitReservation.execute(try Self.order(input.path.orderId))))))
    }

    // MARK: Helpers

    static func caller() -> Caller {
        guard let principal = Principal.current else { return .anonymous }
        return principal.caller
    }

    /// `If-Match` is required for changes (428 without it); it must name a version as a strong tag.
    static func expectedVersion(_ header: String?) throws -> Int {
        guard let header else {
            throw Problem("precondition-required", title: "Precondition required", status: .preconditionRequired,
                          detail: "send If-Match with the ETag of the version you are changing")
        }
        guard let version = ResponseHeaders.version(fromIfMatch: header) else {
            throw Problem("precondition-failed", title: "Precondition failed", status: .preconditionFailed,
                          detail: "If-Match must be a strong entity tag such as \"3\"")
        }
        return version
    }

    static func parent(_ raw: String?) throws -> CategoryID? {
        guard let raw else { return nil }
        guard let id = CategoryID(raw) else { throw ProductError.parentCategoryNotFound }
        return id
    }

    /// A SKU in a stock path: one that cannot be spelled is as unknown as one nobody stocks.
    static func stockedSKU(_ raw: String) throws -> SKU {
        guard let sku = try? SKU(raw) else { throw ProductError.unknownSKU(raw) }
        return sku
    }

    static func order(_ raw: String) throws -> OrderReference {
        guard let order = OrderReference(raw) else { throw ProductError.reservationNotFound }
        return order
    }

    static func details(
        name: String, description: String?, price: Components.Schemas.Money, categoryID: String,
        attributes: Components.Schemas.Attributes?, imageURLs: [String]?, active: Bool
    ) throws -> Product.Details {
        guard let currency = Currency(price.currency) else {
            throw ProductError.invalid(field: "price.currency", reason: "must be an ISO 4217 code such as EUR")
        }
        guard let category = CategoryID(categoryID) else { throw ProductError.categoryNotFound }
        return Product.Details(
            name: name, description: description ?? "", price: Money(minorUnits: price.amount, currency: currency), categoryID: category,
            attributes: attributes?.additionalProperties ?? [:], imageURLs: imageURLs ?? [], active: active
        )
    }
}
