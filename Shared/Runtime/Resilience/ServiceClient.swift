import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Tracing

/// What a cross-service call returned.
public struct ServiceResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: ByteBuffer
    /// The instance that answered.
    public let instance: String
}

public enum ServiceCallError: Error, Equatable, Sendable {
    case noInstances(service: String)
    /// Every instance's breaker is open: failing fast instead of piling onto a broken service.
    case circuitOpen(service: String)
    case deadlineExceeded(service: String)
    case unavailable(service: String, reason: String)
}

/// The one way services call each other: discovery, client-side load balancing, a circuit breaker per instance,
/// retries (only when safe, on another instance, with backoff, jitter and a budget) within one deadline that
/// shrinks as it propagates, and `x-request-id` / `traceparent` / service-token headers.
public final class ServiceClient: Sendable {
    public struct Configuration: Sendable {
        public var retry: RetryPolicy
        public var breaker: CircuitBreaker.Policy
        public var balancing: LoadBalancing
        public var defaultTimeout: Duration
        public var maximumResponseBytes: Int

        public init(
            retry: RetryPolicy = RetryPolicy(), breaker: CircuitBreaker.Policy = .init(), balancing: LoadBalancing = .leastOutstanding,
            defaultTimeout: Duration = .seconds(5), maximumResponseBytes: Int = 8 << 20
        ) {
            self.retry = retry
            self.breaker = breaker
            self.balancing = balancing
            self.defaultTimeout = defaultTimeout
            self.maximumResponseBytes = maximumResponseBytes
        }
    }

    /// The header carrying the caller's remaining time budget, in milliseconds.
    public static let timeoutHeader = "x-request-timeout-ms"

    private let discovery: any ServiceDiscovery
    private let httpClient: HTTPClient
    private let tokens: (any ServiceTokenProvider)?
    private let configuration: Configuration
    private let logger: Logger
    private let selector: InstanceSelector

    /// An HTTP client that reports a refused or timed-out connection at once instead of retrying it until the
    /// request's deadline: the service client itself retries, on another instance, and feeds the breakers.
    public static let fastFailingHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(1)
        // The service client makes the client span and writes `traceparent` itself (once per attempt); the HTTP
        // client's own tracing would add a second, conflicting header.
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(discovery: any ServiceDiscovery, httpClient: HTTPClient = ServiceClient.fastFailingHTTPClient, tokens: (any ServiceTokenProvider)? = nil, configuration: Configuration = .init(), logger: Logger) {
        self.discovery = discovery
        self.httpClient = httpClient
        self.tokens = tokens
        self.configuration = configuration
        self.logger = logger
        self.selector = InstanceSelector(retry: configuration.retry, breaker: configuration.breaker, balancing: configuration.balancing)
    }

    /// Breaker phases by instance id, for admin pages.
    public func breakerPhases() -> [String: CircuitBreaker.Phase] { selector.breakerPhases() }

    /// A call whose response is collected (up to `maximumResponseBytes`). Retries are possible because the body,
    /// if any, is in memory. `idempotent` says whether the call may be repeated after it may have arrived, when its
    /// method alone would say otherwise (a POST that only reads).
    public func execute(
        service: String, method: HTTPRequest.Method, path: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil,
        timeout: Duration? = nil, idempotent: Bool? = nil
    ) async throws -> ServiceResponse {
        let limit = configuration.maximumResponseBytes
        return try await call(service: service, method: method, idempotent: idempotent, timeout: timeout, bodyIsReplayable: true) { endpoint, deadline in
            var request = Self.request(method, endpoint, path, headers, deadline: deadline)
            if let body { request.body = .bytes(body) }
            let response = try await self.send(request, deadline: deadline)
            let collected = try await response.body.collect(upTo: limit)
            return (Int(response.status.code), ServiceResponse(status: Int(response.status.code), headers: response.headers, body: collected, instance: endpoint.id))
        }
    }

    /// Pick an instance, send, feed its breaker, and retry elsewhere when the policy, the deadline and the budget
    /// allow.
    private func call<Value: Sendable>(
        service: String, method: HTTPRequest.Method, idempotent: Bool? = nil, timeout: Duration?, bodyIsReplayable: Bool,
        attempt send: @Sendable (ServiceEndpoint, ContinuousClock.Instant) async throws -> (status: Int, value: Value)
    ) async throws -> Value {
        let deadline = Self.deadline(timeout: timeout ?? configuration.defaultTimeout)
        selector.recordCall()
        var tried: Set<String> = []
        var attempt = 1
        while true {
            guard ContinuousClock.now < deadline else { throw ServiceCallError.deadlineExceeded(service: service) }
            let endpoint = try selector.choose(service, from: await discovery.endpoints(of: service), excluding: tried)
            tried.insert(endpoint.id)
            let result: Result<(status: Int, value: Value), any Error>
            do {
                let attributes = ["http.request.method": method.rawValue, "server.address": endpoint.id, "tradewind.attempt": "\(attempt)"]
                result = .success(try await TraceContext.withChildSpan("\(method.rawValue) \(service)", ofKind: .client, attributes: attributes) {
                    try await send(endpoint, deadline)
                })
            } catch {
                result = .failure(error)
            }

            let outcome: RetryPolicy.Outcome
            switch result {
            case .success(let response):
                let overloaded = [502, 503, 504].contains(response.status)
                selector.finished(endpoint, failed: overloaded)
                if !overloaded { return response.value }
                outcome = .response(status: response.status)
            case .failure(let error):
                selector.finished(endpoint, failed: true)
                outcome = Self.isConnectionFailure(error) ? .connectionFailed : .failedAfterSending
            }

            let pause = selector.retryPause(method: method, idempotent: idempotent, outcome: outcome, attempt: attempt,
                                            bodyIsReplayable: bodyIsReplayable, deadline: deadline)
            guard let pause else {
                switch result {
                case .success(let response): return response.value
                case .failure(let error):
                    let timedOut = ContinuousClock.now >= deadline || (error as? HTTPClientError) == .deadlineExceeded
                    throw timedOut
                        ? ServiceCallError.deadlineExceeded(service: service)
                        : ServiceCallError.unavailable(service: service, reason: "\(error)")
                }
            }
            logger.debug("retrying on another instance", metadata: ["service": "\(service)", "attempt": "\(attempt + 1)"])
            try await Task.sleep(for: pause)
            attempt += 1
        }
    }

    /// The request with the headers every call carries: the remaining time budget, the request id and trace
    /// context of the request being served, and the service token.
    private static func request(
        _ method: HTTPRequest.Method, _ endpoint: ServiceEndpoint, _ path: String, _ headers: HTTPHeaders, deadline: ContinuousClock.Instant
    ) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint.baseURL + path)
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers = headers
        request.headers.replaceOrAdd(name: Self.timeoutHeader, value: String(milliseconds(until: deadline)))
        if let info = RequestInfo.current { request.headers.replaceOrAdd(name: "x-request-id", value: info.requestID) }
        if let traceparent = TraceContext.currentTraceparent() { request.headers.replaceOrAdd(name: "traceparent", value: traceparent) }
        return request
    }

    private func send(_ request: HTTPClientRequest, deadline: ContinuousClock.Instant) async throws -> HTTPClientResponse {
        var request = request
        if let tokens, !request.headers.contains(name: "authorization") {
            request.headers.add(name: "authorization", value: "Bearer \(try await tokens.token())")
        }
        return try await httpClient.execute(request, timeout: .milliseconds(Self.milliseconds(until: deadline)))
    }

    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int64 {
        let remaining = deadline - .now
        return max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)
    }

    /// The earlier of this call's timeout and the caller's own remaining budget, if the caller sent one.
    static func deadline(timeout: Duration) -> ContinuousClock.Instant {
        var deadline = ContinuousClock.now + timeout
        if let inherited = RequestInfo.current?.timeBudget { deadline = min(deadline, ContinuousClock.now + inherited) }
        return deadline
    }

    /// A failure before the request could have reached the instance.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        switch error {
        case is NIOConnectionError:
            return true
        case let error as HTTPClientError:
            return error == .connectTimeout
        case let error as IOError:
            return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode)
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        default:
            return false
        }
    }
}
