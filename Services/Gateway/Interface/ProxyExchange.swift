import Foundation
import GatewayApplication
import GatewayDomain
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import TradewindKernel
import TradewindRuntime
import Tracing

/// One proxied request, from its head to the end of its response, run on its connection's event loop: admission
/// (route, token, role, rate limit, body limit), then attempts on instances of the route's service until one
/// answers, within the route's deadline — another instance after a failed connection, or after a 502/503/504 or a
/// failure mid-request for idempotent requests whose body is in memory — and the answer streamed back.
/// Backpressure goes both ways: reading stops on the side whose other side cannot take more.
final class ProxyExchange {
    private enum BodyMode {
        case none
        /// Read whole before the first attempt, kept for the next.
        case buffered
        /// Passed through as it arrives: one attempt only.
        case streamed
    }

    private enum Phase {
        case admitting
        case waitingForBody
        case choosingInstance
        case connecting
        /// The request goes upstream; no response head yet.
        case sending
        case responding
        case finished
    }

    /// How much of a body the gateway reads and drops after answering without it (nginx's lingering close).
    static let discardedBodyBytesBeforeClosing = 16 << 20

    private let proxy: GatewayProxy
    private let local: LoopLocal
    private let handler: GatewayProxyHandler
    private let client: ChannelHandlerContext
    private let head: HTTPRequest
    private let path: String
    private let query: Substring?
    private let started = NIODeadline.now()
    private let requestID: String
    /// The route table as it was when the request came in, for the whole exchange.
    private let routing: GatewayRouting.Snapshot
    private var route: Route?
    private var phase = Phase.admitting
    /// Headers every answer carries: the request id, rate-limit state, CORS.
    private var answerHeaders: HTTPFields
    private var span: ManualSpan?

    private var bodyMode = BodyMode.none
    private var declaredLength: Int?
    private var body = ByteBuffer()
    private var pendingParts: [ByteBuffer] = []
    private var bodyBytes = 0
    private var requestEnded = false
    private var closeAfterResponse = false

    private var upstreamHead: HTTPRequestHead?
    private var deadline = NIODeadline.distantFuture
    private var attempt = 0
    private var tried: Set<String> = []
    private var endpoint: ServiceEndpoint?
    /// The chosen instance still counts this attempt as outstanding (see ``InstanceSelector``).
    private var attemptOutstanding = false
    private var connection: UpstreamConnection?
    private var requestSentUpstream = false
    private var attemptStarted: NIODeadline?
    private var upstreamDuration: Duration?
    private var status = 0

    init(head: HTTPRequest, client: ChannelHandlerContext, handler: GatewayProxyHandler, local: LoopLocal) {
        self.proxy = local.proxy
        self.local = local
        routing = local.proxy.routing.current
        self.handler = handler
        self.client = client
        self.head = head
        let target = head.path ?? "/"
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = target[target.index(after: mark)...]
        } else {
            path = target
            query = nil
        }
        requestID = RequestID.accepting(head.headerFields[.requestID])
        answerHeaders = [.requestID: requestID]
        answerHeaders.append(contentsOf: GatewayProxy.corsHeaders(origin: head.headerFields[.origin], allowed: routing.corsOrigins))
        if head.headerFields[.connection]?.lowercased().contains("close") == true { closeAfterResponse = true }
    }

    private var eventLoop: any EventLoop { client.eventLoop }

    // MARK: Admission

    func begin() {
        guard GatewayProxy.proxiedMethods.contains(head.method) else { return answer(GatewayProxy.methodNotAllowed()) }
        if isCORSPreflight { return answerPreflight() }
        let route: Route
        do {
            route = try routing.admission.route(for: path)
        } catch {
            return answer(GatewayProxy.problem(for: error))
        }
        self.route = route
        span = ManualSpan.start("\(head.method.rawValue) \(route.prefix)", continuing: head.headerFields[.traceparent], ofKind: .server, attributes: [
            "http.request.method": head.method.rawValue, "http.route": route.prefix, "tradewind.gateway.route": route.name,
        ])

        let fields = head.headerFields
        let chunked = fields[.transferEncoding] != nil
        if let raw = fields[.contentLength] {
            guard let length = Int(raw), length >= 0 else { return answer(.badRequest("Content-Length is not a number of bytes")) }
            declaredLength = length
        }
        if let declaredLength, declaredLength > route.maximumBodyBytes {
            return answer(GatewayProxy.bodyTooLarge(maximumBytes: route.maximumBodyBytes))
        }
        bodyMode = switch (declaredLength, chunked) {
        case (nil, false), (0, _): .none
        case (let length?, _) where length <= proxy.settings.replayableBodyBytes: .buffered
        default: .streamed
        }

        if route.access != .public {
            let token: String
            do {
                token = try BearerAuthentication.token(in: fields[.authorization])
            } catch {
                return answer(error)
            }
            authenticate(token, required: true)
        } else if route.rateLimit?.key == .subject, let header = fields[.authorization], let token = try? BearerAuthentication.token(in: header) {
            // A public route counts a signed-in caller by subject; a bad token is the service's to refuse.
            authenticate(token, required: false)
        } else {
            admit(nil)
        }
    }

    /// Admits with the token's caller: at once when this event loop has verified the token before, otherwise once
    /// the verifier (which may fetch keys) has answered. Parts of the body arriving meanwhile are kept.
    private func authenticate(_ token: String, required: Bool) {
        let now = Date()
        if let principal = local.tokens.principal(for: token, now: now) { return admit(principal.caller) }
        let verifier = proxy.verifier
        let verification = eventLoop.makePromise(of: Result<AccessTokenClaims, TokenRejection>.self)
        verification.completeWithTask {
            do throws(TokenRejection) {
                return .success(try await verifier.verify(token))
            } catch {
                return .failure(error)
            }
        }
        verification.futureResult.assumeIsolated().whenSuccess { result in
            guard self.phase == .admitting else { return }
            switch result {
            case .success(let claims):
                let principal = BearerAuthentication.principal(token: token, claims: claims)
                self.local.tokens.remember(principal, until: claims.expires, now: Date())
                self.admit(principal.caller)
            case .failure(let rejection):
                self.proxy.logger.info("rejected bearer token", metadata: ["reason": "\(rejection)", "request_id": "\(self.requestID)"])
                if required { self.answer(BearerAuthentication.problem(for: rejection)) } else { self.admit(nil) }
            }
        }
    }

    private func admit(_ caller: Caller?) {
        guard phase == .admitting, let route else { return }
        let peer = client.channel.remoteAddress?.ipAddress
        let clientAddress = proxy.trustedProxies.clientAddress(peer: peer, forwardedFor: head.headerFields[values: .xForwardedFor].joined(separator: ","))
        let plan: ForwardPlan
        do {
            plan = try routing.admission.plan(route, path: path, query: query.map(String.init), caller: caller, clientAddress: clientAddress)
        } catch {
            return answer(GatewayProxy.problem(for: error))
        }
        if let limit = route.rateLimit, let key = plan.rateLimitKey, let limiter = routing.limiter(of: route) {
            let decision = limiter.take(key)
            answerHeaders.append(contentsOf: GatewayProxy.headers(for: decision, limit: limit))
            guard decision.allowed else {
                return answer(.tooManyRequests(
                    "the rate limit of route '\(route.name)' is exhausted; retry after \(decision.retryAfterSeconds) s",
                    retryAfterSeconds: decision.retryAfterSeconds
                ))
            }
        }

        var timeout = TimeAmount.milliseconds(Int64(route.timeoutMilliseconds))
        if let raw = head.headerFields[GatewayProxy.timeoutField], let inherited = Int64(raw), inherited > 0 {
            timeout = min(timeout, .milliseconds(inherited))
        }
        deadline = .now() + timeout
        handler.watch(deadline)

        var headers = GatewayProxy.forwardedHeaders(head.headerFields, authority: head.authority, peerAddress: peer)
        headers.replaceOrAdd(name: "x-request-id", value: requestID)
        if let traceparent = span?.traceparent ?? head.headerFields[.traceparent] { headers.replaceOrAdd(name: "traceparent", value: traceparent) }
        switch bodyMode {
        case .none where [.post, .put, .patch].contains(head.method): headers.add(name: "content-length", value: "0")
        case .buffered, .streamed: if let declaredLength { headers.add(name: "content-length", value: String(declaredLength)) }
        case .none: break
        }
        upstreamHead = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: head.method.rawValue), uri: plan.upstreamTarget, headers: headers)
        proxy.selector.recordCall()
        if bodyMode == .buffered && !requestEnded {
            phase = .waitingForBody
        } else {
            startAttempt()
        }
    }

    private var isCORSPreflight: Bool {
        head.method == .options && !routing.corsOrigins.isEmpty && head.headerFields[.origin] != nil
            && head.headerFields[.accessControlRequestMethod] != nil
    }

    private func answerPreflight() {
        var fields = answerHeaders
        fields[.accessControlAllowMethods] = GatewayProxy.corsAllowedMethods
        fields[.accessControlAllowHeaders] = GatewayProxy.corsAllowedHeaders
        fields[.accessControlMaxAge] = "600"
        fields[.contentLength] = "0"
        writeAnswer(status: .noContent, fields: fields, body: nil)
    }

    // MARK: The caller's side

    func clientSent(_ part: HTTPRequestPart) {
        switch part {
        case .head:
            break
        case .body(let chunk):
            bodyBytes += chunk.readableBytes
            if phase == .finished {
                // Answered before the body was read: the rest is read and dropped so that the caller, still
                // sending, gets to read the answer; past a bound the connection is closed instead.
                if bodyBytes > Self.discardedBodyBytesBeforeClosing, !closeAfterResponse {
                    closeAfterResponse = true
                    handler.close()
                }
                return
            }
            if let route, bodyBytes > route.maximumBodyBytes { return bodyTooLarge(route) }
            switch (bodyMode, phase) {
            case (_, .finished), (.none, _):
                break
            case (.buffered, _):
                var chunk = chunk
                body.writeBuffer(&chunk)
            case (.streamed, .sending), (.streamed, .responding):
                guard let connection else { break }
                connection.write(.body(.byteBuffer(chunk)))
                if !connection.isWritable {
                    // Paused before flushing: the flush may make the connection writable again at once.
                    handler.pauseReads()
                    connection.flush()
                }
            case (.streamed, _):
                pendingParts.append(chunk)
                // Not sending yet: read no further than what is in hand until an instance takes it.
                handler.pauseReads()
            }
        case .end:
            requestEnded = true
            switch (bodyMode, phase) {
            case (_, .finished):
                completeIfDone()
            case (.buffered, .waitingForBody):
                startAttempt()
            case (.streamed, .sending), (.streamed, .responding):
                connection?.write(.end(nil))
                connection?.flush()
                requestSentUpstream = true
            default:
                break
            }
        }
    }

    func clientReadComplete() {
        if bodyMode == .streamed { connection?.flush() }
    }

    func clientBecameWritable() {
        connection?.handler.resumeReads()
    }

    func clientClosed() {
        guard phase != .finished else { return }
        dropConnection()
        finish(status: 499, logAs: "the caller closed the connection")
    }

    private func bodyTooLarge(_ route: Route) {
        if phase == .responding {
            // The answer has begun: all that is left is to cut the connection.
            dropConnection()
            handler.close()
            finish(status: status, logAs: "request body over the route's limit mid-response")
        } else {
            answer(GatewayProxy.bodyTooLarge(maximumBytes: route.maximumBodyBytes))
        }
    }

    // MARK: Attempts

    private func startAttempt() {
        guard let route else { return }
        attempt += 1
        phase = .choosingInstance
        if let endpoints = proxy.directory.cached(route.service) { return choose(from: endpoints) }
        let directory = proxy.directory
        let lookup = eventLoop.makePromise(of: [ServiceEndpoint].self)
        lookup.completeWithTask { await directory.lookUp(route.service) }
        let current = attempt
        lookup.futureResult.assumeIsolated().whenSuccess { endpoints in
            guard self.phase == .choosingInstance, self.attempt == current else { return }
            self.choose(from: endpoints)
        }
    }

    private func choose(from endpoints: [ServiceEndpoint]) {
        guard let route else { return }
        let endpoint: ServiceEndpoint
        do {
            endpoint = try proxy.selector.choose(route.service, from: endpoints, excluding: tried)
        } catch {
            return answer(GatewayProxy.problem(for: error, route: route))
        }
        self.endpoint = endpoint
        attemptOutstanding = true
        tried.insert(endpoint.id)
        phase = .connecting
        let current = attempt
        let pool = local.pool(for: endpoint)
        pool.acquire { result in
            switch result {
            case .success(let connection):
                guard self.phase == .connecting, self.attempt == current else { return pool.release(connection, reusable: true) }
                self.send(on: connection)
            case .failure(let error):
                guard self.phase == .connecting, self.attempt == current else { return }
                self.attemptFailed(.connectionFailed, reason: "\(error)")
            }
        }
    }

    private func send(on connection: UpstreamConnection) {
        guard var head = upstreamHead, let endpoint else { return }
        self.connection = connection
        connection.exchange = self
        phase = .sending
        attemptStarted = .now()
        head.headers.replaceOrAdd(name: "host", value: "\(endpoint.host):\(endpoint.port)")
        head.headers.replaceOrAdd(name: ServiceClient.timeoutHeader, value: String(max(1, (deadline - .now()).nanoseconds / 1_000_000)))
        connection.write(.head(head))
        switch bodyMode {
        case .none:
            connection.write(.end(nil))
            requestSentUpstream = true
        case .buffered:
            if body.readableBytes > 0 { connection.write(.body(.byteBuffer(body))) }
            connection.write(.end(nil))
            requestSentUpstream = true
        case .streamed:
            for part in pendingParts { connection.write(.body(.byteBuffer(part))) }
            pendingParts.removeAll()
            if requestEnded {
                connection.write(.end(nil))
                requestSentUpstream = true
            }
            handler.resumeReads()
        }
        connection.flush()
    }

    private func attemptFailed(_ outcome: RetryPolicy.Outcome, reason: String) {
        guard let route else { return }
        releaseInstance(failed: true)
        let pause = proxy.selector.retryPause(
            method: head.method, outcome: outcome, attempt: attempt, bodyIsReplayable: bodyMode != .streamed,
            deadline: retryDeadline
        )
        if let pause { return retry(after: pause) }
        let error: ServiceCallError = NIODeadline.now() >= deadline
            ? .deadlineExceeded(service: route.service) : .unavailable(service: route.service, reason: reason)
        let problem = GatewayProxy.problem(for: error, route: route)
        if problem.status == .badGateway {
            proxy.logger.warning("upstream failed", metadata: ["route": "\(route.name)", "error": "\(reason)", "request_id": "\(requestID)"])
        }
        answer(problem)
    }

    private func retry(after pause: Duration) {
        proxy.logger.debug("retrying on another instance", metadata: ["service": "\(route?.service ?? "")", "attempt": "\(attempt + 1)"])
        phase = .choosingInstance
        let current = attempt
        eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(pause)) {
            guard self.phase == .choosingInstance, self.attempt == current else { return }
            self.startAttempt()
        }
    }

    /// The deadline on the clock the retry policy uses.
    private var retryDeadline: ContinuousClock.Instant {
        ContinuousClock.now + .nanoseconds(max(0, (deadline - .now()).nanoseconds))
    }

    /// Times the exchange out if its deadline has passed; otherwise the deadline to check again at, if any.
    func checkDeadline() -> NIODeadline? {
        guard phase != .finished else { return nil }
        guard NIODeadline.now() >= deadline else { return deadline }
        timedOut()
        return nil
    }

    private func timedOut() {
        guard phase != .finished, let route else { return }
        dropConnection()
        releaseInstance(failed: true)
        if phase == .responding {
            handler.close()
            finish(status: status, logAs: "the upstream answer did not finish within the route timeout")
        } else {
            answer(GatewayProxy.problem(for: .deadlineExceeded(service: route.service), route: route))
        }
    }

    private func releaseInstance(failed: Bool) {
        guard attemptOutstanding, let endpoint else { return }
        attemptOutstanding = false
        proxy.selector.finished(endpoint, failed: failed)
    }

    /// Closes the upstream connection in use, if any: it is mid-exchange and cannot be reused.
    private func dropConnection() {
        guard let connection else { return }
        self.connection = nil
        connection.pool.release(connection, reusable: false)
    }

    // MARK: The instance's side

    func upstreamReceived(_ part: HTTPClientResponsePart) {
        guard phase == .sending || phase == .responding else { return }
        switch part {
        case .head(let response):
            let code = Int(response.status.code)
            guard code >= 200 || code == 101 else { return }  // 100 Continue and other interim answers
            let overloaded = (502...504).contains(code)
            if overloaded, requestSentUpstream, let pause = proxy.selector.retryPause(
                method: head.method, outcome: .response(status: code), attempt: attempt, bodyIsReplayable: bodyMode != .streamed,
                deadline: retryDeadline
            ) {
                // Another instance may do better; this answer is dropped with its connection.
                dropConnection()
                releaseInstance(failed: true)
                return retry(after: pause)
            }
            releaseInstance(failed: overloaded)
            status = code
            upstreamDuration = attemptStarted.map { Duration.nanoseconds((NIODeadline.now() - $0).nanoseconds) }
            phase = .responding
            var fields = GatewayProxy.responseHeaders(response.headers)
            fields.append(contentsOf: answerHeaders)
            handler.write(.head(HTTPResponse(status: .init(code: code, reasonPhrase: response.status.reasonPhrase), headerFields: fields)))
        case .body(let chunk):
            guard phase == .responding else { return }
            handler.write(.body(chunk))
            if !handler.isWritable {
                connection?.handler.pauseReads()
                handler.flush()
            }
        case .end:
            guard phase == .responding, let connection else { return }
            self.connection = nil
            connection.pool.release(connection, reusable: requestSentUpstream)
            writeEnd()
        }
    }

    func upstreamReadComplete() {
        if phase == .responding { handler.flush() }
    }

    func upstreamBecameWritable() {
        if bodyMode == .streamed { handler.resumeReads() }
    }

    /// The upstream connection closed while this exchange was using it.
    func upstreamClosed() {
        connection = nil
        switch phase {
        case .sending:
            attemptFailed(.failedAfterSending, reason: "the connection closed before an answer")
        case .responding:
            handler.close()
            finish(status: status, logAs: "the upstream connection closed mid-response")
        default:
            break
        }
    }

    // MARK: Answers

    /// Answers with a problem from the gateway itself, or cuts the connection if an answer has begun.
    private func answer(_ problem: Problem) {
        guard phase != .finished else { return }
        dropConnection()
        releaseInstance(failed: false)
        guard phase != .responding else {
            handler.close()
            return finish(status: status, logAs: problem.detail ?? problem.title)
        }
        var fields = problem.headers
        fields.append(contentsOf: answerHeaders)
        fields[.contentType] = Problem.mediaType
        let document = problem.body(instance: path, requestID: requestID)
        fields[.contentLength] = String(document.readableBytes)
        writeAnswer(status: problem.status, fields: fields, body: document)
    }

    private func writeAnswer(status: HTTPResponse.Status, fields: HTTPFields, body: ByteBuffer?) {
        self.status = status.code
        phase = .responding
        handler.write(.head(HTTPResponse(status: status, headerFields: fields)))
        if let body { handler.write(.body(body)) }
        writeEnd()
    }

    private func writeEnd() {
        let closing = closeAfterResponse
        if closing {
            let written = eventLoop.makePromise(of: Void.self)
            handler.write(.end(nil), promise: written)
            let handler = self.handler
            written.futureResult.assumeIsolated().whenComplete { _ in handler.close() }
        } else {
            handler.write(.end(nil))
        }
        finish(status: status, logAs: nil)
        handler.flush()
    }

    /// Bookkeeping once the answer is complete or abandoned: timer, metrics, access log, span.
    private func finish(status: Int, logAs failure: String?) {
        guard phase != .finished else { return }
        phase = .finished
        pendingParts.removeAll()
        handler.resumeReads()
        let elapsed = NIODeadline.now() - started
        if let route { local.record(route: route, status: status, upstreamDuration: upstreamDuration) }
        let level: Logger.Level = status >= 500 ? .error : .info
        proxy.logger.log(level: level, "request", metadata: [
            "method": .string(head.method.rawValue),
            "route": .string(route?.name ?? "unmatched"),
            "status": .stringConvertible(status),
            "duration_ms": .string(LogFormat.milliseconds(.nanoseconds(elapsed.nanoseconds))),
            "request_id": .string(requestID),
        ].merging(failure.map { ["failure": .string($0)] } ?? [:]) { $1 })
        if let span {
            span.setAttribute("http.response.status_code", String(status))
            span.end()
        }
        completeIfDone()
    }

    private func completeIfDone() {
        guard phase == .finished, requestEnded || closeAfterResponse else { return }
        handler.exchangeFinished(self)
    }
}
