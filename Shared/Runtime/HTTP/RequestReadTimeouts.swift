import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// How long a server waits for a client, as a reverse proxy would (nginx: `keepalive_timeout 75s`,
/// `client_header_timeout 60s`, `client_body_timeout 60s`). A connection that idles, or trickles its request,
/// past these is closed, so slow clients cannot hold connections (and the memory behind them) forever.
public struct ServerTimeouts: Sendable, Equatable {
    /// `IDLE_TIMEOUT_SECONDS`: a kept-alive connection with no request in progress is closed after this. Longer
    /// than the gateway's own pool keeps idle upstream connections (60 s), so the gateway closes first.
    public var idle: Duration
    /// `HEADER_READ_TIMEOUT_SECONDS`: a new connection must have sent a whole request head within this.
    public var headerRead: Duration
    /// `BODY_READ_TIMEOUT_SECONDS`: the longest wait for the next part of a request body.
    public var bodyRead: Duration

    public init(idle: Duration = .seconds(75), headerRead: Duration = .seconds(60), bodyRead: Duration = .seconds(60)) {
        self.idle = idle
        self.headerRead = headerRead
        self.bodyRead = bodyRead
    }

    static func load(_ environment: ServiceEnvironment) throws -> ServerTimeouts {
        ServerTimeouts(
            idle: .seconds(try environment.int("IDLE_TIMEOUT_SECONDS", default: 75, in: 1...3600)),
            headerRead: .seconds(try environment.int("HEADER_READ_TIMEOUT_SECONDS", default: 60, in: 1...3600)),
            bodyRead: .seconds(try environment.int("BODY_READ_TIMEOUT_SECONDS", default: 60, in: 1...3600))
        )
    }

    /// Hummingbird's HTTP/1.1 server with these timeouts (``RequestReadTimeoutHandler``).
    public var server: HTTPServerBuilder { server(adding: { [] }) }

    /// The same, with `handlers` (made anew for each connection) after the timeouts in each connection's pipeline.
    public func server(adding handlers: @escaping @Sendable () -> [any RemovableChannelHandler]) -> HTTPServerBuilder {
        .http1(configuration: .init(additionalChannelHandlers: [readTimeoutHandler()] + handlers()))
    }

    /// The handler that applies these timeouts to one connection (or HTTP/2 stream), after HTTP decoding.
    public func readTimeoutHandler() -> any RemovableChannelHandler {
        RequestReadTimeoutHandler(idle: TimeAmount(idle), headerRead: TimeAmount(headerRead), bodyRead: TimeAmount(bodyRead))
    }
}

/// Closes a connection whose client is too slow to send what the server is waiting for: the first request head,
/// the next part of a request body, or, on a kept-alive connection, the next request's whole head after a response
/// (the idle timeout). Nothing is timed while the server itself is working on a request.
///
/// Arming only moves a deadline: one timer per connection checks it when it fires and, if the deadline has moved
/// on, sleeps again until then. A busy keep-alive connection so schedules a timer once per timeout period rather
/// than several per request.
final class RequestReadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let idle: TimeAmount
    private let headerRead: TimeAmount
    private let bodyRead: TimeAmount
    /// When the connection is closed unless the client sends something first; `nil` while the server works.
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?
    private var timerFires = NIODeadline.distantFuture

    init(idle: TimeAmount, headerRead: TimeAmount, bodyRead: TimeAmount) {
        self.idle = idle
        self.headerRead = headerRead
        self.bodyRead = bodyRead
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, headerRead) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, headerRead)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head, .body:
            arm(context, bodyRead)
        case .end:
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(context, idle) }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func arm(_ context: ChannelHandlerContext, _ amount: TimeAmount) {
        let due = NIODeadline.now() + amount
        deadline = due
        // A timer that fires by then checks the new deadline itself; only an earlier one needs a new timer.
        if timer == nil || due < timerFires { schedule(context, at: due) }
    }

    private func schedule(_ context: ChannelHandlerContext, at due: NIODeadline) {
        timer?.cancel()
        timerFires = due
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) {
            self.timer = nil
            self.timerFires = .distantFuture
            guard let deadline = self.deadline else { return }
            if deadline <= .now() {
                context.close(promise: nil)
            } else {
                self.schedule(context, at: deadline)
            }
        }
    }

    private func stop() {
        deadline = nil
        timer?.cancel()
        timer = nil
    }
}
