import Foundation
import GatewayDomain
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
import TradewindRuntime

/// What the proxy keeps per event loop and touches only from it: connections to upstream instances, verified
/// tokens, and the metric handles it records into.
final class LoopLocal {
    let eventLoop: any EventLoop
    unowned let proxy: GatewayProxy
    let tokens = VerifiedTokens()
    private var pools: [String: UpstreamPool] = [:]
    private var requestCounters: [String: Counter] = [:]
    private var upstreamTimers: [String: Metrics.Timer] = [:]

    init(eventLoop: any EventLoop, proxy: GatewayProxy) {
        self.eventLoop = eventLoop
        self.proxy = proxy
    }

    func pool(for endpoint: ServiceEndpoint) -> UpstreamPool {
        if let pool = pools[endpoint.id] { return pool }
        let settings = proxy.settings
        let pool = UpstreamPool(
            endpoint: endpoint, eventLoop: eventLoop, maximum: settings.connectionsPerInstance,
            idleTimeout: TimeAmount(settings.upstreamIdleTimeout), connectTimeout: TimeAmount(settings.connectTimeout)
        )
        pools[endpoint.id] = pool
        return pool
    }

    func closeAll() {
        for pool in pools.values { pool.closeAll() }
    }

    /// `gateway_requests_total{route, service, status}` and `gateway_upstream_duration_seconds{route, service}`.
    func record(route: Route, status: Int, upstreamDuration: Duration?) {
        let statusClass = "\(status / 100)xx"
        let key = route.name + " " + statusClass
        if let counter = requestCounters[key] {
            counter.increment()
        } else {
            let counter = Counter(label: "gateway_requests_total", dimensions: [("route", route.name), ("service", route.service), ("status", statusClass)])
            requestCounters[key] = counter
            counter.increment()
        }
        guard let upstreamDuration else { return }
        if let timer = upstreamTimers[route.name] {
            timer.record(duration: upstreamDuration)
        } else {
            let timer = Metrics.Timer(label: "gateway_upstream_duration_seconds", dimensions: [("route", route.name), ("service", route.service)])
            upstreamTimers[route.name] = timer
            timer.record(duration: upstreamDuration)
        }
    }
}

/// Kept-alive HTTP/1.1 connections from one event loop to one upstream instance: at most `maximum` open, the most
/// recently used idle one handed out first, callers beyond the limit queued in order.
final class UpstreamPool {
    let endpoint: ServiceEndpoint
    let eventLoop: any EventLoop
    let maximum: Int
    let idleTimeout: TimeAmount
    let connectTimeout: TimeAmount
    private var idle: [UpstreamConnection] = []
    private var open = 0
    typealias Delivery = (Result<UpstreamConnection, any Error>) -> Void
    private var waiters = CircularBuffer<Delivery>()

    init(endpoint: ServiceEndpoint, eventLoop: any EventLoop, maximum: Int, idleTimeout: TimeAmount, connectTimeout: TimeAmount) {
        self.endpoint = endpoint
        self.eventLoop = eventLoop
        self.maximum = maximum
        self.idleTimeout = idleTimeout
        self.connectTimeout = connectTimeout
    }

    /// Hands `deliver` a connection of this pool, for one exchange, now or once one is free; give it back with
    /// ``release(_:reusable:)``.
    func acquire(_ deliver: @escaping Delivery) {
        while let connection = idle.popLast() {
            connection.idleTimer?.cancel()
            connection.idleTimer = nil
            if connection.channel.isActive { return deliver(.success(connection)) }
        }
        if open < maximum { return connect(deliver) }
        waiters.append(deliver)
    }

    /// Takes a connection back after an exchange; one that is not `reusable` (the exchange failed or was cut off, or
    /// the instance asked to close) is closed.
    func release(_ connection: UpstreamConnection, reusable: Bool) {
        connection.exchange = nil
        guard reusable, connection.keepAlive, connection.channel.isActive else {
            connection.channel.close(promise: nil)
            return
        }
        if let waiter = waiters.popFirst() { return waiter(.success(connection)) }
        connection.idleTimer = eventLoop.assumeIsolated().scheduleTask(in: idleTimeout) {
            connection.channel.close(promise: nil)
        }
        idle.append(connection)
    }

    /// Called once when a connection's channel has closed, whatever closed it.
    func closed(_ connection: UpstreamConnection) {
        open -= 1
        connection.idleTimer?.cancel()
        idle.removeAll { $0 === connection }
        if let waiter = waiters.popFirst() { connect(waiter) }
    }

    func closeAll() {
        for connection in idle { connection.channel.close(promise: nil) }
        let pending = waiters
        waiters.removeAll()
        for waiter in pending { waiter(.failure(ChannelError.ioOnClosedChannel)) }
    }

    private func connect(_ deliver: @escaping Delivery) {
        open += 1
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Every header sent upstream is a caller's, already validated by HTTPTypes when it was read, or
                    // one the gateway writes from validated values: checking them again costs a twentieth of the
                    // proxy's CPU on a POST.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    do {
                        let handler = try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
                        let connection = UpstreamConnection(channel: channel, handler: handler, pool: self)
                        handler.connection = connection
                        deliver(.success(connection))
                    } catch {
                        channel.close(promise: nil)
                        self.open -= 1
                        deliver(.failure(error))
                    }
                case .failure(let error):
                    self.open -= 1
                    deliver(.failure(error))
                    // The instance is not taking connections: those waiting for one fail now rather than at their deadline.
                    let pending = self.waiters
                    self.waiters.removeAll()
                    for waiter in pending { waiter(.failure(error)) }
                }
            }
    }
}

/// One connection to an upstream instance and the exchange using it, if any.
final class UpstreamConnection {
    let channel: any Channel
    let handler: UpstreamHandler
    unowned let pool: UpstreamPool
    var exchange: ProxyExchange?
    var idleTimer: Scheduled<Void>?
    /// False once the instance answered with `Connection: close` (or HTTP/1.0 without keep-alive).
    var keepAlive = true

    init(channel: any Channel, handler: UpstreamHandler, pool: UpstreamPool) {
        self.channel = channel
        self.handler = handler
        self.pool = pool
    }

    func write(_ part: HTTPClientRequestPart) {
        handler.write(part)
    }

    func flush() { handler.flush() }

    var isWritable: Bool { channel.isWritable }
}

/// The end of an upstream connection's pipeline: hands response parts to the exchange using the connection, and
/// stops reading from the instance while the caller cannot take more (``pauseReads()``).
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    var connection: UpstreamConnection?
    private var context: ChannelHandlerContext?
    private var readsPaused = false
    private var readPending = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func write(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() { context?.flush() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .head(let head) = part { connection?.keepAlive = head.isKeepAlive }
        connection?.exchange?.upstreamReceived(part)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection?.exchange?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { connection?.exchange?.upstreamBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection {
            self.connection = nil
            connection.exchange?.upstreamClosed()
            connection.exchange = nil
            connection.pool.closed(connection)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    func pauseReads() { readsPaused = true }

    func resumeReads() {
        guard readsPaused else { return }
        readsPaused = false
        if readPending, let context {
            readPending = false
            context.read()
        }
    }
}
