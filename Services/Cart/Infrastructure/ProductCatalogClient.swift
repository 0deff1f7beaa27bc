import CartApplication
import CartDomain
import Foundation
import ProductContracts
import TradewindKernel
import TradewindRuntime

/// The anti-corruption layer between the cart and the product context: `getProductBySKU` and `getStock` of its
/// published API (`ProductContracts.Client`) through the runtime's service client, translated into the cart's
/// ``CatalogEntry``. A 404 means the catalog does not sell the product; anything else that fails means the catalog
/// is unavailable.
public struct ProductCatalogClient: ProductCatalog {
    let product: Client

    public init(client: ServiceClient, timeout: Duration = .seconds(2)) {
        product = Client(serverURL: ServiceClientTransport.serverURL(for: ProductContract.service), configuration: .tradewind,
                         transport: ServiceClientTransport(client, service: ProductContract.service, timeout: timeout))
    }

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
        async let productAnswer = product.getProductBySKU(path: .init(sku: sku))
        async let stockAnswer = product.getStock(path: .init(sku: sku))
        let listed: Components.Schemas.Product
        let available: Int?
        do {
            switch try await productAnswer {
            case .ok(let ok): listed = try ok.body.json
            case .notFound: return nil
            default: throw CartError.catalogUnavailable
            }
            switch try await stockAnswer {
            case .ok(let ok): available = try ok.body.json.available
            case .notFound: available = nil
            default: throw CartError.catalogUnavailable
            }
        } catch {
            throw CartError.catalogUnavailable
        }
        guard let currency = Currency(listed.price.currency) else { throw CartError.catalogUnavailable }
        return CatalogEntry(sku: listed.sku, name: listed.name, price: Money(minorUnits: listed.price.amount, currency: currency),
                            active: listed.active, available: available)
    }
    static func isPlainSKU(_ sku: String) -> Bool {
        (2...40).contains(sku.utf8.count) && sku.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
