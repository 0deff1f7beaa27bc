import AsyncHTTPClient
import CartApplication
import CartDomain
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import TradewindKernel
import TradewindRuntime

/// The anti-corruption layer between the cart and the product service: asks `GET /products/by-sku/{sku}` and
/// `GET /inventory/{sku}` through the runtime's service client and translates the answers into the cart's
/// ``CatalogEntry``. A 404 means the catalog does not sell the product; anything else that fails means the catalog
/// is unavailable.
public struct ProductCatalogClient: ProductCatalog {
    let client: ServiceClient
    let service: String
    let timeout: Duration

    public init(client: ServiceClient, service: String = "product-service", timeout: Duration = .seconds(2)) {
        self.client = client
        self.service = service
        self.timeout = timeout
    }

    struct ProductDocument: Decodable {
        struct Price: Decodable { let amount: Int64, currency: String }
        let sku: String, name: String, price: Price, active: Bool
    }

    struct StockDocument: Decodable { let available: Int }

    public func entries(for skus: [String]) async throws -> [String: CatalogEntry] {
        try await withThrowingTaskGroup(of: CatalogEntry?.self) { group in
            for sku in Set(skus) where Self.isPlainSKU(sku) {
                group.addTask { try await entry(for: sku) }
            }
            var found: [String: CatalogEntry] = [:]
            for try await entry in group { if let entry { found[entry.sku] = entry } }
            return found
        }
    }

    private func entry(for sku: String) async throws -> CatalogEntry? {
        async let productAnswer = get("/products/by-sku/\(sku)")
        async let stockAnswer = get("/inventory/\(sku)")
        guard let productBody = try await productAnswer else { return nil }
        let product = try decode(ProductDocument.self, productBody)
        let stock = try await stockAnswer.map { try decode(StockDocument.self, $0) }
        guard let currency = Currency(product.price.currency) else { throw CartError.catalogUnavailable }
        return CatalogEntry(
            sku: product.sku, name: product.name, price: Money(minorUnits: product.price.amount, currency: currency),
            active: product.active, available: stock?.available
        )
    }

    /// The body of a 200, `nil` for a 404; anything else means the catalog cannot be relied on now.
    private func get(_ path: String) async throws -> Data? {
        let response: ServiceResponse
        do {
            response = try await client.execute(service: service, method: .get, path: path, headers: ["accept": "application/json"], timeout: timeout)
        } catch {
            throw CartError.catalogUnavailable
        }
        switch response.status {
        case 200: return Data(response.body.readableBytesView)
        case 404: return nil
        default: throw CartError.catalogUnavailable
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw CartError.catalogUnavailable
        }
    }

    static func isPlainSKU(_ sku: String) -> Bool {
        (2...40).contains(sku.utf8.count) && sku.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
