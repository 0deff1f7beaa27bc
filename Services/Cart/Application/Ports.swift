import CartDomain

/// The product catalog as the cart needs it. An anti-corruption layer in Infrastructure implements it over the
/// product service's API. Missing SKUs in the answer are products the catalog does not know.
public protocol ProductCatalog: Sendable {
    /// Fails with ``CartError/catalogUnavailable`` when the catalog cannot be asked.
    func entries(for skus: [String]) async throws -> [String: CatalogEntry]
}

/// Guest cart tokens: random, and stored only as hashes.
public protocol CartTokens: Sendable {
    func generate() -> String
    func hash(_ token: String) -> String
}
