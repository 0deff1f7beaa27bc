import Foundation

/// Produces new identities, injected so that tests can predict them.
public protocol IdentifierGenerator: Sendable {
    func makeUUID() -> UUID
}

public struct RandomIdentifierGenerator: IdentifierGenerator {
    public init() {}
    public func makeUUID() -> UUID { UUID() }
}
