/// What can go wrong when registering, reporting or querying service instances, or using the key/value store.
public enum RegistryError: Error, Equatable, Sendable {
    case invalidRegistration(String)
    /// A heartbeat or deregistration for an instance the registry does not hold (e.g. after a registry restart):
    /// the client should register again.
    case unknownInstance(String)
    case unknownCheck(String)
    /// Only TTL checks take reports; the registry runs HTTP and TCP checks itself.
    case notATTLCheck(String)
    /// The caller may not change this service's instances, or read or write this key.
    case forbidden(String)
    case invalidKey(String)
    /// A value over the store's limit, in bytes.
    case valueTooLarge(Int)
    /// A value the key cannot hold (a setting no service could use), with the reason.
    case invalidValue(String)
}
