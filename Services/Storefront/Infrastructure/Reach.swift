import StorefrontDomain

/// A call to another context: a transport failure (no instance, a timeout, an answer that is not the contract's)
/// is that context being unavailable, which the page says as such.
func reach<Output>(_ unavailable: StorefrontError, _ call: () async throws -> Output) async throws -> Output {
    do {
        return try await call()
    } catch {
        throw unavailable
    }
}
