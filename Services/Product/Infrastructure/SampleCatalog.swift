import Foundation
import ProductDomain
import TradewindKernel

/// A small catalog to explore on a fresh stack (`SEED_SAMPLE_DATA`): categories with sub-categories and a few
/// dozen products in stock. Seeding again changes nothing: what exists (by slug or SKU) is left alone.
public struct SampleCatalog: Sendable {
    struct Item {
        let sku: String, name: String, category: String, cents: Int64, stock: Int, attributes: [String: String]
    }

    static let categories: [(slug: String, name: String, parent: String?)] = [
        ("electronics", "Electronics", nil), ("audio", "Audio", "electronics"), ("computers", "Computers", "electronics"),
        ("home", "Home", nil), ("kitchen", "Kitchen", "home"), ("outdoors", "Outdoors", nil), ("books", "Books", nil),
    ]

    static let items: [Item] = [
        Item(sku: "AUD-HP-100", name: "Over-ear headphones", category: "audio", cents: 12_900, stock: 40, attributes: ["colour": "black"]),
        Item(sku: "AUD-HP-200", name: "Noise-cancelling headphones", category: "audio", cents: 24_900, stock: 25, attributes: ["colour": "silver"]),
        Item(sku: "AUD-EB-110", name: "Wireless earbuds", category: "audio", cents: 7_990, stock: 120, attributes: ["colour": "white"]),
        Item(sku: "AUD-SP-300", name: "Bookshelf speakers (pair)", category: "audio", cents: 18_500, stock: 12, attributes: ["power": "40 W"]),
        Item(sku: "AUD-SB-400", name: "Soundbar", category: "audio", cents: 29_900, stock: 9, attributes: ["channels": "3.1"]),
        Item(sku: "AUD-TT-500", name: "Turntable", category: "audio", cents: 34_900, stock: 5, attributes: ["speeds": "33/45"]),
        Item(sku: "CMP-LT-13", name: "13-inch laptop", category: "computers", cents: 109_900, stock: 15, attributes: ["memory": "16 GB"]),
        Item(sku: "CMP-LT-15", name: "15-inch laptop", category: "computers", cents: 139_900, stock: 10, attributes: ["memory": "32 GB"]),
        Item(sku: "CMP-KB-01", name: "Mechanical keyboard", category: "computers", cents: 8_900, stock: 60, attributes: ["layout": "ISO"]),
        Item(sku: "CMP-MS-02", name: "Wireless mouse", category: "computers", cents: 3_490, stock: 150, attributes: ["dpi": "4000"]),
        Item(sku: "CMP-MN-27", name: "27-inch monitor", category: "computers", cents: 32_900, stock: 20, attributes: ["resolution": "2560x1440"]),
        Item(sku: "CMP-DK-03", name: "USB-C dock", category: "computers", cents: 11_900, stock: 35, attributes: ["ports": "9"]),
        Item(sku: "CMP-SSD-1T", name: "1 TB SSD", category: "computers", cents: 7_900, stock: 80, attributes: ["interface": "NVMe"]),
        Item(sku: "KIT-KN-20", name: "Chef's knife", category: "kitchen", cents: 6_900, stock: 45, attributes: ["blade": "20 cm"]),
        Item(sku: "KIT-PN-28", name: "Cast-iron pan", category: "kitchen", cents: 4_900, stock: 30, attributes: ["diameter": "28 cm"]),
        Item(sku: "KIT-KT-17", name: "Electric kettle", category: "kitchen", cents: 3_990, stock: 70, attributes: ["capacity": "1.7 l"]),
        Item(sku: "KIT-CM-01", name: "Espresso machine", category: "kitchen", cents: 44_900, stock: 8, attributes: ["pressure": "15 bar"]),
        Item(sku: "KIT-GR-02", name: "Coffee grinder", category: "kitchen", cents: 9_900, stock: 22, attributes: ["burr": "conical"]),
        Item(sku: "KIT-BW-03", name: "Mixing bowls (set of 3)", category: "kitchen", cents: 2_490, stock: 90, attributes: ["material": "steel"]),
        Item(sku: "HOM-LM-01", name: "Desk lamp", category: "home", cents: 4_500, stock: 55, attributes: ["bulb": "LED"]),
        Item(sku: "HOM-BL-02", name: "Wool blanket", category: "home", cents: 8_900, stock: 18, attributes: ["size": "150x200"]),
        Item(sku: "HOM-PL-03", name: "Ceramic planter", category: "home", cents: 2_900, stock: 40, attributes: ["diameter": "18 cm"]),
        Item(sku: "OUT-TN-2P", name: "Two-person tent", category: "outdoors", cents: 19_900, stock: 14, attributes: ["weight": "2.1 kg"]),
        Item(sku: "OUT-SB-05", name: "Sleeping bag", category: "outdoors", cents: 12_900, stock: 20, attributes: ["comfort": "5 °C"]),
        Item(sku: "OUT-BP-40", name: "40 l backpack", category: "outdoors", cents: 10_900, stock: 25, attributes: ["volume": "40 l"]),
        Item(sku: "OUT-HL-01", name: "Head torch", category: "outdoors", cents: 2_990, stock: 100, attributes: ["lumen": "350"]),
        Item(sku: "OUT-BT-07", name: "Insulated bottle", category: "outdoors", cents: 2_490, stock: 110, attributes: ["capacity": "0.75 l"]),
        Item(sku: "BOK-DDD-01", name: "Domain-Driven Design", category: "books", cents: 5_490, stock: 30, attributes: ["format": "hardcover"]),
        Item(sku: "BOK-MSV-02", name: "Building Microservices", category: "books", cents: 4_990, stock: 30, attributes: ["format": "paperback"]),
        Item(sku: "BOK-SWF-03", name: "Server-Side Swift", category: "books", cents: 3_990, stock: 25, attributes: ["format": "paperback"]),
        Item(sku: "BOK-DSA-04", name: "Designing Data-Intensive Applications", category: "books", cents: 4_790, stock: 0, attributes: ["format": "paperback"]),
    ]

    let categories: any CategoryRepository
    let products: any ProductRepository
    let inventory: any InventoryRepository
    let clock: any WallClock
    let ids: any IdentifierGenerator

    public init(categories: any CategoryRepository, products: any ProductRepository, inventory: any InventoryRepository,
                clock: any WallClock, ids: any IdentifierGenerator) {
        self.categories = categories
        self.products = products
        self.inventory = inventory
        self.clock = clock
        self.ids = ids
    }

    /// Returns how many products it created.
    @discardableResult
    public func seed() async throws -> Int {
        var bySlug: [String: CategoryID] = [:]
        for entry in Self.categories {
            let slug = try Slug(entry.slug)
            if let existing = try await categories.category(withSlug: slug) {
                bySlug[entry.slug] = existing.id
                continue
            }
            let category = try Category(id: CategoryID(rawValue: ids.makeUUID()), name: entry.name, slug: slug, parentID: entry.parent.flatMap { bySlug[$0] })
            try await categories.add(category)
            bySlug[entry.slug] = category.id
        }
        let euro = Currency("EUR")!
        var created = 0
        for item in Self.items {
            let sku = try SKU(item.sku)
            guard try await products.product(withSKU: sku) == nil, let category = bySlug[item.category] else { continue }
            let now = clock.now()
            let details = Product.Details(
                name: item.name, description: "\(item.name) from the Tradewind sample catalog.",
                price: Money(minorUnits: item.cents, currency: euro), categoryID: category, attributes: item.attributes
            )
            try await products.add(try Product(id: ProductID(rawValue: ids.makeUUID()), sku: sku, details: details, createdAt: now, updatedAt: now))
            _ = try await inventory.setOnHand(item.stock, of: sku)
            created += 1
        }
        return created
    }
}
