import Hummingbird
import NIOCore

/// The request context every Tradewind service uses: Hummingbird's core storage plus the client address.
public struct ServiceRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text, for throttling and logs.
    public var clientAddress: String? { remoteAddress?.ipAddress }
}
