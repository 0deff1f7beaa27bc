import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import TradewindRuntime

/// The gateway's connections: HTTP/1.1, and HTTP/2 from clients that know the gateway speaks it (prior knowledge,
/// RFC 9113 §3.3, as `curl --http2-prior-knowledge` and gRPC clients connect without TLS), on the same port. Each
/// HTTP/1.1 connection and each HTTP/2 stream gets the read timeouts and `handlers` after HTTP decoding.
public enum GatewayServerChannel {
    public static func builder(
        timeouts: ServerTimeouts, handlers: @escaping @Sendable () -> [any RemovableChannelHandler]
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let streams = HTTP1Channel.Configuration(additionalChannelHandlers: [timeouts.readTimeoutHandler()] + handlers())
            return PlaintextHTTPChannel(
                http1: HTTP1Channel(responder: responder, configuration: streams),
                http2: HTTP2Channel(responder: responder, configuration: .init(idleTimeout: timeouts.idle, streamConfiguration: streams)),
                headerRead: TimeAmount(timeouts.headerRead)
            )
        }
    }
}

/// Sets a connection up for HTTP/1.1 or HTTP/2 once its first bytes show which one the client speaks.
struct PlaintextHTTPChannel: ServerChildChannel {
    enum Negotiated: Sendable {
        case http1(HTTP1Channel.Value)
        case http2(HTTP2Channel.Value)
    }

    struct Value: ServerChildChannelValue {
        let channel: any Channel
        let negotiated: EventLoopFuture<Negotiated>
    }

    let http1: HTTP1Channel
    let http2: HTTP2Channel
    let headerRead: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let negotiated = channel.eventLoop.makePromise(of: Negotiated.self)
            let detector = HTTP2PrefaceDetector(timeout: headerRead) { isHTTP2 in
                if isHTTP2 {
                    http2.setup(channel: channel, logger: logger).map(Negotiated.http2).cascade(to: negotiated)
                } else {
                    http1.setup(channel: channel, logger: logger).map(Negotiated.http1).cascade(to: negotiated)
                }
            } failed: { error in
                negotiated.fail(error)
            }
            do {
                try channel.pipeline.syncOperations.addHandler(detector)
            } catch {
                // The connection closed before it could be set up: nobody will wait for its protocol.
                negotiated.fail(error)
                throw error
            }
            return Value(channel: channel, negotiated: negotiated.futureResult)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1(let connection): await http1.handle(value: connection, logger: logger)
            case .http2(let connection): await http2.handle(value: connection, logger: logger)
            }
        } catch {
            logger.debug("connection closed before its protocol was known", metadata: ["error": "\(error)"])
            try? await value.channel.close()
        }
    }
}

/// Reads a connection's first bytes until they either are the HTTP/2 connection preface or cannot be, reports
/// which, passes the bytes on to the handlers added meanwhile, and steps aside. A client that sends nothing
/// decisive within `timeout` is disconnected.
final class HTTP2PrefaceDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let timeout: TimeAmount
    private var decide: ((Bool) -> Void)?
    private var failed: ((any Error) -> Void)?
    private var received: ByteBuffer?
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, decide: @escaping (Bool) -> Void, failed: @escaping (any Error) -> Void) {
        self.timeout = timeout
        self.decide = decide
        self.failed = failed
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { context.close(promise: nil) }
    }

    /// Removed undecided (the pipeline torn down without the connection's end passing through it), the connection
    /// will never say which protocol it speaks: whoever waits for that hears so, rather than waiting for ever.
    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        failed?(ChannelError.eof)
        failed = nil
        decide = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard decide != nil else { return context.fireChannelRead(data) }
        if received == nil { received = bytes } else { received!.writeBuffer(&bytes) }
        let seen = received!.readableBytesView
        let compared = min(seen.count, Self.preface.count)
        let isPrefacePrefix = seen.prefix(compared).elementsEqual(Self.preface.prefix(compared))
        if isPrefacePrefix && compared < Self.preface.count { return }  // not decisive yet
        let decide = self.decide!
        self.decide = nil
        failed = nil
        deadline?.cancel()
        decide(isPrefacePrefix)
        let buffered = received!
        received = nil
        context.fireChannelRead(wrapInboundOut(buffered))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// The server is shutting down and this connection has not sent a request: close it now.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, decide != nil {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failed?(ChannelError.eof)
        failed = nil
        decide = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed?(error)
        failed = nil
        decide = nil
        context.close(promise: nil)
    }
}
