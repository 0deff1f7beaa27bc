/// Where the key/value store keeps its entries. Every write takes the next index of the whole store, which never
/// goes back, so that a client's blocking query survives a registry restart.
public protocol KeyValueRepository: Sendable {
    /// The index of the last write (at least 1, as Consul's).
    func currentIndex() async throws -> UInt64
    /// The index of the last delete (0 when nothing was deleted): a recursive read's index takes it into account.
    func lastDeleteIndex() async throws -> UInt64
    func entry(_ key: String) async throws -> KeyValueEntry?
    /// The entries whose key starts with `prefix`, in key order.
    func entries(withPrefix prefix: String) async throws -> [KeyValueEntry]
    /// Sets the key unless `condition` no longer holds; returns whether it wrote.
    func put(_ key: String, value: [UInt8], flags: UInt64, if condition: CheckAndSet?) async throws -> Bool
    /// Deletes the key (or every key under it, with `recursive`) unless `condition` no longer holds.
    func delete(_ key: String, recursive: Bool, if condition: CheckAndSet?) async throws -> Bool
}
