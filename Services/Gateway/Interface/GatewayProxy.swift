import Foundation
import GatewayApplication
import GatewayDomain
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import TradewindKernel
import TradewindRuntime

/// Forwards `/api/…` requests to the service a route names, on the event loop that read them: route lookup, token
/// check (verified tokens are remembered until they expire) and role rule, rate limit, body limit, then the
/// exchange with a kept-alive upstream connection of the same event loop (``ProxyExchange``). Everything here is
/// shared by every connection; what belongs to one event loop lives in ``LoopLocal``.
public final class GatewayProxy: Sendable {
    public struct Settings: Sendable {
        /// Bodies up to this size are read before forwarding, so that the request can go to another instance when
        /// the first one cannot be reached; larger ones are streamed through and sent once.
        public var replayableBodyBytes: Int
        /// Kept-alive connections per upstream instance and event loop (`UPSTREAM_CONNECTIONS`).
        public var connectionsPerInstance: Int
        /// An upstream connection unused for this long is closed; shorter than the services' own idle timeout, so
        /// that the gateway closes first and never sends a request on a connection the service is closing.
        public var upstreamIdleTimeout: Duration
        public var connectTimeout: Duration
        /// The caller's time budget when neither the route nor the request says otherwise.
        public var defaultTimeout: Duration

        public init(
            replayableBodyBytes: Int = 64 * 1024, connectionsPerInstance: Int = 64, upstreamIdleTimeout: Duration = .seconds(60),
            connectTimeout: Duration = .seconds(1), defaultTimeout: Duration = .seconds(5)
        ) {
            self.replayableBodyBytes = replayableBodyBytes
            self.connectionsPerInstance = connectionsPerInstance
            self.upstreamIdleTimeout = upstreamIdleTimeout
            self.connectTimeout = connectTimeout
            self.defaultTimeout = defaultTimeout
        }
    }

    static let proxiedMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]
    static let proxiedPathPrefix = "/api/"

    /// The route table and its rate limiters; swapped whole when the table changes while the gateway runs.
    public let routing: GatewayRouting
    let verifier: AccessTokenVerifier
    let selector: InstanceSelector
    let directory: EndpointDirectory
    let trustedProxies: TrustedProxies
    let settings: Settings
    let logger: Logger
    private let locals = Mutex<[ObjectIdentifier: NIOLoopBound<LoopLocal>]>([:])

    public init(
        routing: GatewayRouting, verifier: AccessTokenVerifier, discovery: any ServiceDiscovery, selector: InstanceSelector,
        trustedProxies: TrustedProxies, settings: Settings = .init(), logger: Logger
    ) {
        self.routing = routing
        self.verifier = verifier
        self.selector = selector
        self.directory = EndpointDirectory(discovery: discovery)
        self.trustedProxies = trustedProxies
        self.settings = settings
        self.logger = logger
    }

    /// The handler to put in each connection's (or HTTP/2 stream's) pipeline, after HTTP decoding.
    public func makeHandler() -> any RemovableChannelHandler { GatewayProxyHandler(proxy: self) }

    /// The state of `eventLoop`'s connections; made on first use. Only ever touched on that event loop.
    func local(for eventLoop: any EventLoop) -> LoopLocal {
        let key = ObjectIdentifier(eventLoop)
        let bound = locals.withLock { locals in
            if let existing = locals[key] { return existing }
            let made = NIOLoopBound(LoopLocal(eventLoop: eventLoop, proxy: self), eventLoop: eventLoop)
            locals[key] = made
            return made
        }
        return bound.value
    }

    /// Closes every upstream connection (at shutdown).
    public func closeUpstreamConnections() async {
        let all = locals.withLock { Array($0.values) }
        for bound in all {
            try? await bound.eventLoop.submit { bound.value.closeAll() }.get()
        }
    }

    /// The gateway's own pages, which its router serves whatever the route table says.
    static let ownPaths = ["/health", "/metrics", "/admin/routes", "/admin/upstreams"]

    /// Whether a request is the proxy's: everything under `/api/`, and any other path a route serves (the
    /// storefront's pages at `/`) but the gateway's own pages (health, metrics, admin), which are the router's.
    func isProxied(_ target: String) -> Bool {
        if target.hasPrefix(Self.proxiedPathPrefix) { return true }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        if Self.ownPaths.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { return false }
        return (try? routing.current.table.route(for: path)) != nil
    }

    // MARK: Headers

    /// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length",
    ]

    /// The caller's headers as the upstream gets them: hop-by-hop ones and the caller's own `X-Forwarded-*` dropped,
    /// the forwarding chain extended with the address the gateway's connection came from.
    static func forwardedHeaders(_ fields: HTTPFields, authority: String?, peerAddress: String?) -> HTTPHeaders {
        let named = fields[.connection].map(connectionOptions) ?? []
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 6)
        for field in fields {
            let name = field.name.canonicalName
            guard !hopByHop.contains(name), !named.contains(name), !name.hasPrefix("x-forwarded-") else { continue }
            headers.add(name: name, value: field.value)
        }
        // The chain so far, plus the address this gateway's connection came from; services trust the gateway to
        // have appended it and walk the chain back from there (see TrustedProxies).
        let chain = fields[values: .xForwardedFor].joined(separator: ", ")
        if let peerAddress {
            headers.add(name: "x-forwarded-for", value: chain.isEmpty ? peerAddress : "\(chain), \(peerAddress)")
        }
        headers.add(name: "x-forwarded-proto", value: fields[xForwardedProto] ?? "http")
        if let host = fields[xForwardedHost] ?? authority { headers.add(name: "x-forwarded-host", value: host) }
        return headers
    }

    /// The upstream's response headers as the caller gets them: hop-by-hop ones dropped, `Content-Length` kept.
    static func responseHeaders(_ headers: HTTPHeaders) -> HTTPFields {
        var named: Set<String> = []
        for value in headers[canonicalForm: "connection"] { named.insert(value.lowercased()) }
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count + 6)
        for (name, value) in headers {
            let lowered = name.lowercased()
            guard lowered == "content-length" || !hopByHop.contains(lowered), !named.contains(lowered),
                  let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }

    private static func connectionOptions(_ value: String) -> Set<String> {
        Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    static let timeoutField = HTTPField.Name(ServiceClient.timeoutHeader)!
    static let xForwardedProto = HTTPField.Name("x-forwarded-proto")!
    static let xForwardedHost = HTTPField.Name("x-forwarded-host")!

    static func headers(for decision: TokenBucket.Decision, limit: RouteRateLimit) -> HTTPFields {
        var fields = HTTPFields()
        fields[rateLimitLimit] = String(limit.burst)
        fields[rateLimitRemaining] = String(decision.remaining)
        fields[rateLimitReset] = String(decision.resetSeconds)
        fields[rateLimitPolicy] = "\(limit.burst);w=\(max(1, Int((Double(limit.burst) / limit.perSecond).rounded(.up))))"
        return fields
    }

    static let rateLimitLimit = HTTPField.Name("RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("RateLimit-Reset")!
    static let rateLimitPolicy = HTTPField.Name("RateLimit-Policy")!

    // MARK: CORS

    static let corsAllowedHeaders = "accept, authorization, content-type, origin, x-request-id"
    static let corsAllowedMethods = proxiedMethods.map(\.rawValue).joined(separator: ", ")
    static let corsExposedHeaders = "x-request-id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, Location"

    /// The CORS headers for a request from a browser page at `origin`: the origin itself when it is allowed, and
    /// `Vary: Origin` whenever origins are configured, since the answer depends on it.
    static func corsHeaders(origin: String?, allowed: Set<String>) -> HTTPFields {
        guard !allowed.isEmpty, let origin else { return [:] }
        guard allowed.contains(origin) else { return [.vary: "Origin"] }
        return [.accessControlAllowOrigin: origin, .accessControlExposeHeaders: Self.corsExposedHeaders, .vary: "Origin"]
    }

    // MARK: Problems

    static func problem(for error: AdmissionError) -> Problem {
        switch error {
        case .noRoute(let path):
            return .notFound("no gateway route serves '\(path.prefix(200))'")
        case .ambiguousPath:
            return .badRequest("the path contains dot segments, encoded slashes or dots, or characters that are not allowed")
        case .authenticationRequired:
            return .unauthorized("this route needs a bearer access token")
        case .missingRole(let required):
            return .forbidden("this route needs one of the roles: \(required.sorted().joined(separator: ", "))")
        }
    }

    static func problem(for error: ServiceCallError, route: Route) -> Problem {
        switch error {
        case .noInstances(let service):
            return Problem("no-healthy-instance", title: "Service unavailable", status: .serviceUnavailable,
                           detail: "no healthy instance of \(service) is known", headers: [.retryAfter: "1"])
        case .circuitOpen(let service):
            return Problem("circuit-open", title: "Service unavailable", status: .serviceUnavailable,
                           detail: "every instance of \(service) is failing; not sending more traffic for now", headers: [.retryAfter: "5"])
        case .deadlineExceeded(let service):
            return Problem("upstream-timeout", title: "Gateway timeout", status: .gatewayTimeout,
                           detail: "\(service) did not answer within \(route.timeoutMilliseconds) ms")
        case .unavailable(let service, _):
            return Problem("bad-gateway", title: "Bad gateway", status: .badGateway, detail: "\(service) could not be reached or failed mid-response")
        }
    }

    static func bodyTooLarge(maximumBytes: Int) -> Problem {
        Problem("content-too-large", title: "Request body too large", status: .contentTooLarge,
                detail: "this route accepts bodies of at most \(maximumBytes) bytes")
    }

    static func methodNotAllowed() -> Problem {
        let allow = proxiedMethods.map(\.rawValue).sorted().joined(separator: ", ")
        return Problem("method-not-allowed", title: "Method not allowed", status: .methodNotAllowed,
                       detail: "this path supports \(allow)", headers: [.allow: allow])
    }
}

/// The healthy instances of each upstream service, read without waiting: the last answer of discovery is used
/// for up to `maximumAge`, then used once more while a fresh one is fetched in the background.
final class EndpointDirectory: Sendable {
    private struct Entry {
        var endpoints: [ServiceEndpoint]
        var fetched: ContinuousClock.Instant
        var refreshing = false
    }

    let discovery: any ServiceDiscovery
    let maximumAge: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(discovery: any ServiceDiscovery, maximumAge: Duration = .seconds(1)) {
        self.discovery = discovery
        self.maximumAge = maximumAge
    }

    /// The known instances, or `nil` when there are none yet (ask ``lookUp(_:)``).
    func cached(_ service: String) -> [ServiceEndpoint]? {
        let now = ContinuousClock.now
        let (endpoints, refresh): ([ServiceEndpoint]?, Bool) = entries.withLock { entries in
            guard var entry = entries[service], !entry.endpoints.isEmpty else { return (nil, false) }
            guard now - entry.fetched >= maximumAge, !entry.refreshing else { return (entry.endpoints, false) }
            entry.refreshing = true
            entries[service] = entry
            return (entry.endpoints, true)
        }
        if refresh { Task { _ = await self.lookUp(service) } }
        return endpoints
    }

    /// Asks discovery and remembers the answer.
    func lookUp(_ service: String) async -> [ServiceEndpoint] {
        let endpoints = await discovery.endpoints(of: service)
        entries.withLock { $0[service] = Entry(endpoints: endpoints, fetched: .now) }
        return endpoints
    }
}

/// Tokens one event loop has verified, with their callers, until the tokens expire: a client that sends the same
/// token on every request has its signature checked once per event loop.
final class VerifiedTokens {
    private struct Entry {
        let principal: Principal
        let expires: Date
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func principal(for token: String, now: Date) -> Principal? {
        guard let entry = entries[token] else { return nil }
        guard entry.expires > now else {
            entries[token] = nil
            return nil
        }
        return entry.principal
    }

    func remember(_ principal: Principal, until expires: Date, now: Date) {
        if entries.count >= capacity {
            entries = entries.filter { $0.value.expires > now }
            // Still full of live tokens: start over rather than grow (each is verified again once).
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[principal.token] = Entry(principal: principal, expires: expires)
    }
}

/// The proxy's upstreams over the gateway's life: at start it asks discovery for every routed service, so that the
/// first request to each finds its instances known instead of waiting on the registry's first answer (which on a
/// loaded machine can outlast discovery's patience and end in a 503); once the server has stopped taking requests it
/// closes the upstream connections.
public struct UpstreamConnections: Service {
    let proxy: GatewayProxy

    public init(proxy: GatewayProxy) { self.proxy = proxy }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for service in proxy.routing.current.table.services {
                group.addTask { _ = await proxy.directory.lookUp(service) }
            }
            group.addTask { try? await gracefulShutdown() }
        }
        await proxy.closeUpstreamConnections()
    }
}
