import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The pieces every service shares, assembled the same way: request id → metrics → access log → problem+json
/// → body policy → authentication → the service's routes, plus health, metrics and 405 answers.
public enum ServiceHost {
    public typealias Context = ServiceRequestContext

    public struct Options: Sendable {
        public var problemMapping: ProblemMapper
        public var verifier: AccessTokenVerifier
        public var accessPolicy: AccessPolicy
        public var readiness: [ReadinessCheck]
        /// `nil` leaves request bodies untouched (streamed to the handler), as the gateway needs.
        public var maximumBodyBytes: Int?
        /// Adds middleware that must run before authentication (CORS answers preflights without credentials).
        public var beforeAuthentication: @Sendable (Router<Context>) -> Void
        /// Whose `X-Forwarded-For` gives the client address (for per-address limits and logs).
        public var trustedProxies: TrustedProxies
        /// Request body media types accepted besides JSON and forms (e.g. `text/csv` for an upload).
        public var additionalMediaTypes: Set<String>
        /// Run before each `/metrics` answer, to record gauges of current state (the gateway's upstream health).
        public var refreshMetrics: (@Sendable () async -> Void)?
        /// `METHOD /route` of requests logged at debug besides probes and scrapes (the registry's heartbeats).
        public var quietRoutes: Set<String>
        /// The service's OpenAPI document (from its Contracts target), served at `GET /openapi.yaml`.
        public var publishedContract: Data?
        /// The events the service consumes: served at `GET /events/subscriptions`, received at `POST /events`.
        public var events: EventSubscriptions

        public init(problemMapping: @escaping ProblemMapper, verifier: AccessTokenVerifier, accessPolicy: AccessPolicy,
                    readiness: [ReadinessCheck], maximumBodyBytes: Int?, trustedProxies: TrustedProxies = .none,
                    additionalMediaTypes: Set<String> = [], refreshMetrics: (@Sendable () async -> Void)? = nil,
                    quietRoutes: Set<String> = [], publishedContract: Data? = nil, events: EventSubscriptions = EventSubscriptions(),
                    beforeAuthentication: @escaping @Sendable (Router<Context>) -> Void = { _ in }) {
            self.quietRoutes = quietRoutes
            self.publishedContract = publishedContract
            self.events = events
            self.refreshMetrics = refreshMetrics
            self.trustedProxies = trustedProxies
            self.additionalMediaTypes = additionalMediaTypes
            self.problemMapping = problemMapping
            self.verifier = verifier
            self.accessPolicy = accessPolicy
            self.readiness = readiness
            self.maximumBodyBytes = maximumBodyBytes
            self.beforeAuthentication = beforeAuthentication
        }
    }

    /// A router with the shared middleware chain, the operational routes, the service's routes (added by
    /// `routes`), and 405 answers for methods a known path does not serve.
    public static func makeRouter(_ options: Options, logger: Logger, routes serviceRoutes: (Router<Context>) throws -> Void) throws -> Router<Context> {
        let registry = MetricsSetup.bootstrap()
        func routes(_ router: Router<Context>) throws {
            try serviceRoutes(router)
            options.events.register(on: router, logger: logger, problemMapping: options.problemMapping)
            if let document = options.publishedContract {
                router.get("/openapi.yaml") { _, _ in
                    Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
                }
            }
        }
        // Hummingbird applies a middleware only to routes added after it, so the access policy must be complete
        // before any route exists: learn the route table on a scratch router first.
        let scratch = Router(context: Context.self, options: .autoGenerateHeadEndpoints)
        try routes(scratch)
        let policy = options.accessPolicy.adding(EventSubscriptions.accessRules).opening(answerWrongMethods(on: scratch))

        let router = Router(context: Context.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestIDMiddleware(trustedProxies: options.trustedProxies))
        if TracingSetup.isEnabled { router.add(middleware: TracingMiddleware()) }
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: AccessLogMiddleware(quietRoutes: AccessLogMiddleware<Context>.operationalRoutes.union(options.quietRoutes)
            .union(["GET \(EventSubscriptions.declarationPath)"])))
        router.add(middleware: ProblemMiddleware(mapping: options.problemMapping))
        router.add(middleware: ResponseHeadersMiddleware())
        if let maximumBodyBytes = options.maximumBodyBytes {
            router.add(middleware: RequestBodyPolicyMiddleware(
                maximumBytes: maximumBodyBytes, acceptedMediaTypes: RequestBodyPolicyMiddleware<Context>.standardMediaTypes.union(options.additionalMediaTypes)
            ))
        }
        router.add(middleware: MaintenanceMiddleware())
        options.beforeAuthentication(router)
        router.add(middleware: AuthenticationMiddleware(verifier: options.verifier, policy: policy))
        HealthRoutes.add(to: router, checks: options.readiness)
        MetricsSetup.addRoute(to: router, registry: registry, refresh: options.refreshMetrics)
        try routes(router)
        // A wrong method is answered (open in the policy) before credentials are asked for, like an unknown path.
        _ = answerWrongMethods(on: router)
        return router
    }

    /// For every path the router knows, answers the methods it does not serve with 405 and an `Allow` header.
    /// Returns the `METHOD /path` keys it added.
    @discardableResult
    static func answerWrongMethods(on router: Router<Context>) -> [String] {
        let candidates: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]
        let byPath = Dictionary(grouping: router.routes, by: { $0.path.description })
        var added: [String] = []
        for (path, routes) in byPath {
            // HEAD is answered wherever GET is (the router generates it when building the responder).
            let served = Set(routes.map(\.method)).union(routes.contains { $0.method == .get } ? [.head] : [])
            let allow = served.map(\.rawValue).sorted().joined(separator: ", ")
            for method in candidates where !served.contains(method) {
                router.on(routes[0].path, method: method) { _, _ -> Response in
                    throw HTTPError(.methodNotAllowed, headers: [.allow: allow], message: "this path supports \(allow)")
                }
                added.append("\(method.rawValue) \(path)")
            }
        }
        return added
    }

    /// The runnable application: binds `settings.host:port`, runs `services` (database pool, …) alongside,
    /// runs `beforeStart` (migrations) before accepting traffic and before any of `workers` (relays, sweepers)
    /// starts, and drains in-flight requests on SIGTERM/SIGINT. With `registers` (every service but the gateway, which
    /// nothing calls through the registry) it registers with the registry under its own token. `server` replaces the
    /// HTTP/1.1 server with the configured timeouts (the gateway adds its proxy to each connection).
    public static func makeApplication(
        router: Router<Context>, settings: RuntimeSettings, services: [any Service], workers: [any Service] = [], registers: Bool = true,
        server: HTTPServerBuilder? = nil, logger: Logger,
        beforeStart: @escaping @Sendable () async throws -> Void, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let gate = StartGate()
        // Registered only once the server listens: callers are never sent to an instance that is not answering, and
        // a process that fails to bind (its port taken by a running copy) never deregisters that copy on its way out.
        let listening = StartGate()
        var services = services + workers.map { GatedService(gate: gate, worker: $0) }
        if registers, let registryURL = settings.registryURL {
            let instance = RegistryAgent.Instance(
                id: "\(settings.serviceName)-\(settings.advertisedAddress)-\(settings.port)", service: settings.serviceName,
                address: settings.advertisedAddress, port: settings.port, metadata: ["version": "1.0.0", RegistryAgent.incarnationKey: UUID().uuidString]
            )
            if let token = settings.registryToken {
                services.append(GatedService(gate: listening, worker: RegistryAgent(registryURL: registryURL, token: token, instance: instance, logger: logger)))
            } else {
                logger.warning("not registering: no REGISTRY_TOKEN (and no .tradewind/registry.secret to derive one from)")
            }
        }
        var app = Application(
            router: router,
            server: server ?? settings.timeouts.server,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: settings.serviceName),
            services: services,
            onServerRunning: { channel in
                listening.open()
                await onRunning(channel.localAddress?.port ?? settings.port)
            },
            logger: logger
        )
        app.beforeServerStarts {
            try await beforeStart()
            gate.open()
        }
        return app
    }

    /// The logger of a service process, after installing the process-wide handler; it follows ``LiveLogLevel``.
    public static func makeLogger(_ settings: RuntimeSettings) -> Logger {
        LogSetup.bootstrap(format: settings.logFormat, level: settings.logLevel)
        return Logger(label: settings.serviceName)
    }
}
