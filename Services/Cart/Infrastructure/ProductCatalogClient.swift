import CartApplication
import CartDomain
import Foundation
import ProductContracts
import TradewindKernel
import TradewindRuntime

/// The anti-corruption layer between the cart and the product context: `getProductsBySKU` of its published API
/// (`ProductContracts.Client`) through the runtime's service client, translated into the cart's ``CatalogEntry``:
/// one call for the whole cart (up to 50 SKUs a call). A SKU the catalog leaves out is not sold; anything else that
/// fails means the catalog is unavailable.
///
/// Carts looked up at the same time share calls (`CallBatcher`): under load, every order placed asks for its cart
/// with today's prices and stock, and those asked while a look-up is in flight go out together in the next one, for
/// the SKUs of all of them. Each still gets what the catalog said after it asked.
public struct ProductCatalogClient: ProductCatalog {
    static let skusPerCall = 50
    private let lookUps: CallBatcher<[String], Result<[String: CatalogEntry], CartError>>

    public init(client: ServiceClient, timeout: Duration = .seconds(2), maximumBatch: Int = 32) {
        let product = Client(serverURL: ServiceClientTransport.serverURL(for: ProductContract.service), configuration: .tradewind,
                             transport: ServiceClientTransport(client, service: ProductContract.service, timeout: timeout))
        // Two look-ups in flight: a cart need not wait for a long one to return before its own goes out.
        lookUps = CallBatcher(maximumBatch: maximumBatch, maximumInFlight: 2, operation: "look up products (batch)") { carts in
            var wanted: [String] = []
            var seen: Set<String> = []
            for sku in carts.joined() where seen.insert(sku).inserted { wanted.append(sku) }
            var found: [String: CatalogEntry] = [:]
            do {
                for start in stride(from: 0, to: wanted.count, by: Self.skusPerCall) {
                    for entry in try await Self.lookUp(Array(wanted[start..<min(start + Self.skusPerCall, wanted.count)]), product: product) {
                        found[entry.sku] = entry
                    }
                }
            } catch {
                return carts.map { _ in .failure(.catalogUnavailable) }
            }
            return carts.map { skus in .success(Dictionary(uniqueKeysWithValues: skus.compactMap { sku in found[sku].map { (sku, $0) } })) }
        }
    }

    /// Look-ups waiting for one in flight to return.
    public var queuedLookUps: Int { lookUps.queued }

    public func entries(for skus: [String]) async throws -> [String: CatalogEntry] {
        var wanted: [String] = []
        for sku in skus where Self.isPlainSKU(sku) && !wanted.contains(sku) { wanted.append(sku) }
        guard !wanted.isEmpty else { return [:] }
        return try await lookUps.call(wanted).get()
    }

    private static func lookUp(_ skus: [String], product: Client) async throws -> [CatalogEntry] {
        let items: [Components.Schemas.StockedProduct]
        do {
            switch try await product.getProductsBySKU(query: .init(sku: skus)) {
            case .ok(let ok): items = try ok.body.json.items
            default: throw CartError.catalogUnavailable
            }
        } catch {
            throw CartError.catalogUnavailable
        }
        return try items.map { item in
            let listed = item.product
            guard let currency = Currency(listed.price.currency) else { throw CartError.catalogUnavailable }
            return CatalogEntry(sku: listed.sku, name: listed.name, price: Money(minorUnits: listed.price.amount, currency: currency),
                                active: listed.active, available: item.stock.available)
        }
    }

    /// The product context's SKU rule: a SKU it would refuse is not asked for, so one bad line cannot fail the call.
    static func isPlainSKU(_ sku: String) -> Bool {
        (2...40).contains(sku.utf8.count) && sku.utf8.first != 0x2D
            && sku.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
