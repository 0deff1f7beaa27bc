import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Sits in each client connection (or HTTP/2 stream) after HTTP decoding. Requests under `/api/` are served here,
/// on the event loop, by a ``ProxyExchange``; every other request (health, metrics, admin pages) passes on to the
/// router. Responses leave in request order: a request waits while an earlier one of the other kind is answered.
final class GatewayProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let proxy: GatewayProxy
    private var local: LoopLocal?
    private var context: ChannelHandlerContext?
    /// The proxied request being read or answered.
    private var exchange: ProxyExchange?
    /// Between the head and the end of a request passed on to the router.
    private var passingThrough = false
    /// Requests passed on to the router whose response has not ended yet.
    private var routerResponsesPending = 0
    /// Parts of a request that must wait for an earlier response.
    private var queued = CircularBuffer<HTTPRequestPart>()
    /// The exchange's upstream cannot take more of the request body for now.
    private var upstreamBackpressure = false
    private var readPending = false
    private var quiesceHeld = false
    /// One timer per connection for the exchanges' deadlines (see ``watch(_:)``).
    private var deadlineTimer: Scheduled<Void>?
    private var deadlineTimerFires = NIODeadline.distantFuture

    init(proxy: GatewayProxy) { self.proxy = proxy }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        local = proxy.local(for: context.eventLoop)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !queued.isEmpty || !accept(part, context: context) {
            queued.append(part)
        }
    }

    /// Serves `part` now, or returns false when it belongs to a request that must wait.
    private func accept(_ part: HTTPRequestPart, context: ChannelHandlerContext) -> Bool {
        switch part {
        case .head(let head):
            guard exchange == nil else { return false }
            if proxy.isProxied(head.path ?? "") {
                guard routerResponsesPending == 0, let local else { return false }
                let exchange = ProxyExchange(head: head, client: context, handler: self, local: local)
                self.exchange = exchange
                exchange.begin()
            } else {
                passingThrough = true
                routerResponsesPending += 1
                context.fireChannelRead(wrapInboundOut(part))
            }
        case .body, .end:
            if passingThrough {
                if case .end = part { passingThrough = false }
                context.fireChannelRead(wrapInboundOut(part))
            } else if let exchange {
                exchange.clientSent(part)
            }
        }
        return true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        exchange?.clientReadComplete()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.clientBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadlineTimer?.cancel()
        deadlineTimer = nil
        exchange?.clientClosed()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The server is shutting down: the router's connection handling closes an idle connection at once, and
        // it cannot see a proxied request in progress, so it learns of the shutdown once that request is answered.
        if event is ChannelShouldQuiesceEvent, exchange != nil {
            quiesceHeld = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Outbound

    /// The router's responses pass through; the end of one may let a waiting proxied request start.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            routerResponsesPending -= 1
            if routerResponsesPending == 0 { serveQueued(context: context) }
        }
    }

    func read(context: ChannelHandlerContext) {
        if upstreamBackpressure || !queued.isEmpty {
            readPending = true
        } else {
            context.read()
        }
    }

    // MARK: For the exchange

    func write(_ part: HTTPResponsePart, promise: EventLoopPromise<Void>? = nil) {
        context?.write(wrapOutboundOut(part), promise: promise)
    }

    func flush() { context?.flush() }

    func close() { context?.close(promise: nil) }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func pauseReads() { upstreamBackpressure = true }

    func resumeReads() {
        upstreamBackpressure = false
        readIfPending()
    }

    /// Makes sure the current exchange is asked ``ProxyExchange/checkDeadline()`` by `deadline`. The timer is only
    /// moved when it would fire too late: a later exchange's deadline is picked up when an earlier one fires.
    func watch(_ deadline: NIODeadline) {
        guard deadlineTimer == nil || deadline < deadlineTimerFires, let context else { return }
        deadlineTimer?.cancel()
        deadlineTimerFires = deadline
        deadlineTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.deadlineTimer = nil
            self.deadlineTimerFires = .distantFuture
            if let next = self.exchange?.checkDeadline() { self.watch(next) }
        }
    }

    /// The exchange has read its whole request and written its whole response.
    func exchangeFinished(_ finished: ProxyExchange) {
        guard finished === exchange, let context else { return }
        exchange = nil
        upstreamBackpressure = false
        if quiesceHeld {
            quiesceHeld = false
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        serveQueued(context: context)
    }

    private func serveQueued(context: ChannelHandlerContext) {
        guard !queued.isEmpty else { return readIfPending() }
        while let part = queued.first, accept(part, context: context) {
            queued.removeFirst()
        }
        // What went on to the router is delivered at the end of a read burst, as if it had just been read.
        context.fireChannelReadComplete()
        exchange?.clientReadComplete()
        readIfPending()
    }

    private func readIfPending() {
        guard readPending, !upstreamBackpressure, queued.isEmpty, let context else { return }
        readPending = false
        context.read()
    }
}
