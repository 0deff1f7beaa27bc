/// An integration event as its publishing context defines it in its Contracts target: the type consumers decode,
/// under a name and a version that travel in the envelope. Renaming or retyping a field breaks the build of
/// every consumer; a change old consumers cannot read is published as a new version.
public protocol PublishedEvent: Codable, Sendable, Equatable {
    /// `CargoHandled`, `OrderPlaced`, …: the envelope's `type`.
    static var name: String { get }
    /// Raised when a change would break a consumer of the previous version.
    static var version: Int { get }
    /// The service that publishes it, to which consumers declare their subscriptions.
    static var publisher: String { get }
    /// The aggregate the event is about; its events are delivered in order.
    var aggregateID: String { get }
}
