/// What can go wrong when registering or querying service instances.
public enum RegistryError: Error, Equatable, Sendable {
    case invalidRegistration(String)
    /// A heartbeat or deregistration for an instance the registry does not hold (e.g. after a registry restart):
    /// the client should register again.
    case unknownInstance(String)
}
