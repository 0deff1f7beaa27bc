import AsyncHTTPClient
import Foundation
import GatewayApplication
import GatewayDomain
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Synchronization
import TradewindKernel
import TradewindRuntime

/// Forwards `/api/…` requests to the service a route names: route lookup, token check and role rule, rate limit,
/// body limit, then a streamed exchange through the service client (discovery, balancing, breakers, retries).
public struct GatewayProxy: Sendable {
    let admission: AdmitRequest
    let verifier: AccessTokenVerifier
    let client: ServiceClient
    let limiters: RateLimiters
    /// Bodies up to this size are read before forwarding, so that the request can go to another instance when
    /// the first one cannot be reached; larger ones are streamed through and sent once.
    let replayableBodyBytes: Int

    public init(admission: AdmitRequest, verifier: AccessTokenVerifier, client: ServiceClient, replayableBodyBytes: Int = 64 * 1024) {
        self.admission = admission
        self.verifier = verifier
        self.client = client
        self.limiters = RateLimiters()
        self.replayableBodyBytes = replayableBodyBytes
    }

    public func forward(_ request: Request, context: some RequestContext) async throws -> Response {
        let path = request.uri.path
        let route: Route
        do {
            route = try admission.route(for: path)
        } catch {
            throw Self.problem(for: error)
        }
        var caller: Caller?
        if route.access != .public {
            let principal = try await BearerAuthentication.principal(of: request.headers, verifier: verifier, logger: context.logger)
            caller = Caller(subject: principal.subject, roles: principal.roles)
        } else if route.rateLimit?.key == .subject, request.headers[.authorization] != nil,
                  let principal = try? await BearerAuthentication.principal(of: request.headers, verifier: verifier, logger: context.logger) {
            // A public route counts a signed-in caller by subject; a bad token is the service's to refuse.
            caller = Caller(subject: principal.subject, roles: principal.roles)
        }
        let clientAddress = RequestInfo.current?.clientAddress
        let plan: ForwardPlan
        do {
            plan = try admission.plan(route, path: path, query: request.uri.query, caller: caller, clientAddress: clientAddress)
        } catch {
            throw Self.problem(for: error)
        }

        var rateLimitHeaders = HTTPFields()
        if let limit = route.rateLimit, let key = plan.rateLimitKey {
            let decision = limiters.take(route: route.name, limit: limit, key: key)
            rateLimitHeaders = Self.headers(for: decision, limit: limit)
            guard decision.allowed else {
                GatewayMetrics.record(route: route, status: 429, upstreamDuration: nil)
                var problem = Problem.tooManyRequests("the rate limit of route '\(route.name)' is exhausted; retry after \(decision.retryAfterSeconds) s", retryAfterSeconds: decision.retryAfterSeconds)
                problem.headers.append(contentsOf: rateLimitHeaders)
                throw problem
            }
        }

        let limit = BodyLimit(maximumBytes: route.maximumBodyBytes)
        let payload = try await self.payload(of: request, limit: limit)
        let started = ContinuousClock.now
        let upstream: StreamedServiceResponse
        do {
            upstream = try await client.stream(
                service: route.service, method: request.method, path: plan.upstreamTarget,
                headers: Self.forwardedHeaders(request.headers, authority: request.head.authority, peerAddress: RequestInfo.current?.peerAddress), body: payload,
                timeout: .milliseconds(route.timeoutMilliseconds)
            )
        } catch {
            if limit.exceeded { throw limit.problem }
            let problem = Self.problem(for: error, route: route)
            GatewayMetrics.record(route: route, status: Int(problem.status.code), upstreamDuration: nil)
            if problem.status == .badGateway { context.logger.warning("upstream failed", metadata: ["route": "\(route.name)", "error": "\(error)"]) }
            throw problem
        }
        let status = Int(upstream.response.status.code)
        GatewayMetrics.record(route: route, status: status, upstreamDuration: ContinuousClock.now - started)

        var headers = Self.responseHeaders(upstream.response.headers)
        headers.append(contentsOf: rateLimitHeaders)
        let length = upstream.response.headers.first(name: "content-length").flatMap(Int.init)
        let body = upstream.response.body
        if let length, length <= replayableBodyBytes {
            // A small answer of known size is read whole and written at once, as proxies buffer by default.
            return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: try await body.collect(upTo: length)))
        }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(contentLength: length) { writer in
                try await writer.write(body)
                try await writer.finish(nil)
            }
        )
    }

    /// No body, a small body read into memory (replayable), or the stream itself, bounded by the route's limit.
    private func payload(of request: Request, limit: BodyLimit) async throws -> RequestPayload {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        let chunked = request.headers[.transferEncoding] != nil
        if declared == nil && !chunked || declared == 0 { return .none }
        if let declared, declared > limit.maximumBytes { throw limit.problem }
        if let declared, declared <= replayableBodyBytes {
            do {
                return .buffered(try await request.body.collect(upTo: min(declared, limit.maximumBytes)))
            } catch is NIOTooManyBytesError {
                throw limit.problem
            }
        }
        let counted = CountingBody(base: request.body, limit: limit)
        return .streamed(.stream(counted, length: declared.map { .known(Int64($0)) } ?? .unknown))
    }

    // MARK: Headers

    /// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length",
    ]

    static func forwardedHeaders(_ fields: HTTPFields, authority: String?, peerAddress: String?) -> HTTPHeaders {
        let named = Set((fields[.connection] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 4)
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
        headers.add(name: "x-forwarded-proto", value: fields[HTTPField.Name("x-forwarded-proto")!] ?? "http")
        if let host = fields[HTTPField.Name("x-forwarded-host")!] ?? authority { headers.add(name: "x-forwarded-host", value: host) }
        if let length = fields[.contentLength] { headers.add(name: "content-length", value: length) }
        return headers
    }

    static func responseHeaders(_ headers: HTTPHeaders) -> HTTPFields {
        let named = Set(headers[canonicalForm: "connection"].map { $0.lowercased() })
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count + 3)
        for (name, value) in headers {
            let lowered = name.lowercased()
            guard lowered == "content-length" || !hopByHop.contains(lowered), !named.contains(lowered),
                  let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }

    static func headers(for decision: TokenBucket.Decision, limit: RouteRateLimit) -> HTTPFields {
        var fields = HTTPFields()
        fields[HTTPField.Name("RateLimit-Limit")!] = String(limit.burst)
        fields[HTTPField.Name("RateLimit-Remaining")!] = String(decision.remaining)
        fields[HTTPField.Name("RateLimit-Reset")!] = String(decision.resetSeconds)
        fields[HTTPField.Name("RateLimit-Policy")!] = "\(limit.burst);w=\(max(1, Int((Double(limit.burst) / limit.perSecond).rounded(.up))))"
        return fields
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

    static func problem(for error: any Error, route: Route) -> Problem {
        switch error as? ServiceCallError {
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
        case nil:
            return Problem("bad-gateway", title: "Bad gateway", status: .badGateway, detail: "\(route.service) failed mid-response")
        }
    }
}

/// Token buckets per route, each keyed by subject or address.
final class RateLimiters: Sendable {
    private let state = Mutex<[String: KeyedRateLimiter]>([:])

    func take(route: String, limit: RouteRateLimit, key: String) -> TokenBucket.Decision {
        let now = ContinuousClock.now
        return state.withLock { limiters in
            var limiter = limiters[route] ?? KeyedRateLimiter(limit: .init(ratePerSecond: limit.perSecond, capacity: limit.burst))
            let decision = limiter.take(key, at: now)
            limiters[route] = limiter
            return decision
        }
    }
}

/// A route's body limit, and whether a streamed body went over it.
final class BodyLimit: Sendable {
    let maximumBytes: Int
    private let overflow = Atomic<Bool>(false)

    init(maximumBytes: Int) { self.maximumBytes = maximumBytes }

    var exceeded: Bool { overflow.load(ordering: .relaxed) }
    func markExceeded() { overflow.store(true, ordering: .relaxed) }

    var problem: Problem {
        Problem("content-too-large", title: "Request body too large", status: .contentTooLarge,
                detail: "this route accepts bodies of at most \(maximumBytes) bytes")
    }
}

/// The request body as it streams upstream, cut off (failing the upstream request) once it passes the limit.
struct CountingBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: BodyLimit

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: BodyLimit
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            if seen > limit.maximumBytes {
                limit.markExceeded()
                throw limit.problem
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}
