import Foundation
import TradewindKernel

public protocol CategoryRepository: Sendable {
    func add(_ category: Category) async throws
    /// Stores `category` as `version + 1`, failing with ``ProductError/staleVersion(current:)`` if it changed meanwhile.
    func save(_ category: Category) async throws -> Category
    func category(withID id: CategoryID) async throws -> Category?
    func category(withSlug slug: Slug) async throws -> Category?
    func all() async throws -> [Category]
}

public enum ProductSort: String, Sendable, CaseIterable {
    case name, price, priceDescending = "-price", newest
}

/// A catalog search: all criteria combine with AND.
public struct ProductQuery: Sendable, Equatable {
    public var text: String?
    public var categories: Set<CategoryID>?
    public var minimumPrice: Int64?
    public var maximumPrice: Int64?
    public var currency: Currency?
    public var includeInactive: Bool
    public var sort: ProductSort
    public var page: PageRequest

    public init(text: String? = nil, categories: Set<CategoryID>? = nil, minimumPrice: Int64? = nil, maximumPrice: Int64? = nil,
                currency: Currency? = nil, includeInactive: Bool = false, sort: ProductSort = .name, page: PageRequest = PageRequest()) {
        self.text = text
        self.categories = categories
        self.minimumPrice = minimumPrice
        self.maximumPrice = maximumPrice
        self.currency = currency
        self.includeInactive = includeInactive
        self.sort = sort
        self.page = page
    }
}

public protocol ProductRepository: Sendable {
    /// Fails with ``ProductError/skuTaken(_:)`` when the SKU exists. Creates the SKU's stock record (0 on hand).
    func add(_ product: Product) async throws
    /// Stores `product` as `version + 1`, failing with ``ProductError/staleVersion(current:)`` if it changed meanwhile.
    func save(_ product: Product) async throws -> Product
    func product(withID id: ProductID) async throws -> Product?
    func product(withSKU sku: SKU) async throws -> Product?
    /// The products among `skus` that exist, in no particular order.
    func products(withSKUs skus: [SKU]) async throws -> [Product]
    /// The products among `skus` that exist, each with its stock, in one read, in no particular order.
    func stockedProducts(withSKUs skus: [SKU]) async throws -> [(product: Product, stock: StockLevel)]
    func search(_ query: ProductQuery) async throws -> Page<Product>
    func count() async throws -> Int
}

/// What reserving found.
public enum ReservationOutcome: Sendable, Equatable {
    case created(Reservation)
    /// The order id already held a reservation for the same goods: nothing changed.
    case existing(Reservation)
}

/// Stock and reservations. Every method is atomic: concurrent reservations never take more than is available.
public protocol InventoryRepository: Sendable {
    func stock(of sku: SKU) async throws -> StockLevel?
    /// The stock levels of those of `skus` that have one, by SKU.
    func stock(of skus: [SKU]) async throws -> [SKU: StockLevel]
    /// Fails with ``ProductError/stockBelowReserved(reserved:)`` when `onHand` is less than what is reserved.
    func setOnHand(_ onHand: Int, of sku: SKU) async throws -> StockLevel
    /// Each reservation all lines or none: ``ProductError/insufficientStock(_:)`` names every SKU that is short. When
    /// the order already has a reservation, answers with it (`existing`), or ``ProductError/reservationMismatch`` for
    /// other goods. One result per reservation, in the order given; a refusal is that reservation's result and takes
    /// nothing from the others, which are made as if it had not been asked for.
    func reserve(_ reservations: [Reservation]) async throws -> [Result<ReservationOutcome, ProductError>]
    func reservation(for order: OrderReference) async throws -> Reservation?
    /// Moves each order's held reservation to `status` (released, committed or expired), returning or removing its
    /// stock. One result per order, in the order given; a refusal is that order's result.
    func finish(_ orders: [OrderReference], as status: ReservationStatus, at now: Date) async throws -> [Result<Reservation, ProductError>]
    /// Expires every held reservation whose time has passed; returns how many.
    func expireOverdue(at now: Date) async throws -> Int
}

extension InventoryRepository {
    public func reserve(_ reservation: Reservation) async throws -> ReservationOutcome {
        try await reserve([reservation])[0].get()
    }

    public func finish(_ order: OrderReference, as status: ReservationStatus, at now: Date) async throws -> Reservation {
        try await finish([order], as: status, at: now)[0].get()
    }
}
