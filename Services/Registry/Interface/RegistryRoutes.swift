import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RegistryApplication
import RegistryDomain
import ServiceLifecycle
import TradewindRuntime

/// The registry's HTTP API: the part of Consul's agent, catalog, health and status endpoints that service
/// discovery uses (listed side by side with Consul's in `Services/Registry/README.md`). Reads are open; changes
/// need the caller's registry token (``RegistryCredential``), and a service may change only its own instances.
public enum RegistryRoutes {
    public struct Settings: Sendable {
        public var datacenter: String
        /// The registry's secret, from which every registry token is derived.
        public var secret: String
        /// What `/v1/status/leader` names: this registry.
        public var selfAddress: String

        public init(datacenter: String, secret: String, selfAddress: String) {
            self.datacenter = datacenter
            self.secret = secret
            self.selfAddress = selfAddress
        }
    }

    /// Every Consul endpoint the registry serves (listed in the 404 for any other path under /v1/).
    static let endpoints: [(HTTPRequest.Method, String)] = [
        (.put, "/v1/agent/service/register"), (.put, "/v1/agent/service/deregister/{id}"),
        (.put, "/v1/agent/check/pass/{checkID}"), (.put, "/v1/agent/check/warn/{checkID}"),
        (.put, "/v1/agent/check/fail/{checkID}"), (.put, "/v1/agent/check/update/{checkID}"),
        (.get, "/v1/agent/services"), (.get, "/v1/agent/service/{id}"), (.get, "/v1/agent/checks"), (.get, "/v1/agent/self"),
        (.get, "/v1/catalog/services"), (.get, "/v1/catalog/service/{name}"), (.get, "/v1/catalog/datacenters"),
        (.get, "/v1/health/service/{name}"), (.get, "/v1/status/leader"), (.get, "/v1/status/peers"),
    ] + [HTTPRequest.Method.get, .put, .delete].flatMap { method in KeyValueRoutes.paths.map { (method, $0) } }
    static let everyMethod: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

    /// Everything is open to the router's authentication: the registry checks its own tokens.
    public static let accessPolicy = AccessPolicy(Dictionary(
        uniqueKeysWithValues: endpoints.map { ("\($0.0.rawValue) \($0.1)", AccessRule.open) }
            + everyMethod.map { ("\($0.rawValue) /v1/**", AccessRule.open) }
    ))

    /// Heartbeats, and the discovery and settings queries every service keeps open: a person reading the log does
    /// not need them.
    public static let quietRoutes: Set<String> = [
        "PUT /v1/agent/check/pass/{checkID}", "PUT /v1/agent/check/warn/{checkID}", "PUT /v1/agent/check/fail/{checkID}",
        "PUT /v1/agent/check/update/{checkID}", "GET /v1/health/service/{name}", "GET /v1/catalog/services",
        "GET /v1/catalog/service/{name}", "GET /v1/kv", "GET /v1/kv/**",
    ]

    public static func problems(_ error: any Error) -> Problem? {
        switch error {
        case let error as RegistryError:
            switch error {
            case .invalidRegistration(let detail): return .validation(detail)
            case .unknownInstance(let id): return .notFound("no instance '\(id.prefix(128))' is registered; register it again")
            case .unknownCheck(let id): return .notFound("no check '\(id.prefix(128))' is registered; register its service again")
            case .notATTLCheck(let id):
                return .conflict("check '\(id.prefix(128))' is an HTTP or TCP check, which the registry runs itself; only TTL checks take reports")
            case .forbidden(let detail): return .forbidden(detail)
            case .invalidKey(let detail), .invalidValue(let detail): return .validation(detail)
            case .valueTooLarge(let limit):
                return Problem("content-too-large", title: "Request body too large", status: .contentTooLarge, detail: "a value is at most \(limit) bytes")
            }
        case let error as RegistrationProblem:
            return .validation(error.detail)
        case let error as DecodingError:
            return .validation(ConsulJSON.explain(error))
        default:
            return nil
        }
    }

    public static func register(_ registry: ServiceRegistry, keyValues: KeyValueStore, settings: Settings, on router: Router<ServiceRequestContext>) {
        let identify = TokenIdentification(secret: settings.secret)
        let datacenter = settings.datacenter
        KeyValueRoutes.register(keyValues, identify: identify, on: router)

        router.put("/v1/agent/service/register") { request, context -> Response in
            let registrant = try identify(request)
            let registration = try await decode(AgentServiceRegistration.self, from: request)
            let instance = try registration.instance(defaultAddress: context.clientAddress ?? "127.0.0.1", at: Date())
            try await registry.register(instance, by: registrant)
            return Response(status: .ok)
        }

        router.put("/v1/agent/service/deregister/{id}") { request, context -> Response in
            try await registry.deregister(try context.parameters.require("id"), by: try identify(request))
            return Response(status: .ok)
        }

        for (verb, status) in [("pass", HealthStatus.passing), ("warn", .warning), ("fail", .critical)] {
            router.put("/v1/agent/check/\(verb)/{checkID}") { request, context -> Response in
                let note = request.uri.queryParameters["note"].map(String.init) ?? ""
                try await registry.report(status, output: note, onCheck: try context.parameters.require("checkID"), by: try identify(request))
                return Response(status: .ok)
            }
        }

        router.put("/v1/agent/check/update/{checkID}") { request, context -> Response in
            let registrant = try identify(request)
            let update = try await decode(CheckUpdate.self, from: request)
            guard let status = update.status.flatMap(HealthStatus.init(rawValue:)) else {
                throw Problem.validation("Status must be passing, warning or critical")
            }
            try await registry.report(status, output: update.output ?? "", onCheck: try context.parameters.require("checkID"), by: registrant)
            return Response(status: .ok)
        }

        router.get("/v1/agent/services") { request, _ -> Response in
            try refuseFilters(request)
            let (index, instances) = await registry.allInstances(after: nil, wait: .zero)
            let services = Dictionary(uniqueKeysWithValues: instances.map { ($0.id, AgentServiceView(instance: $0, datacenter: datacenter, includesIndexes: false)) })
            return try json(services, index: index)
        }

        router.get("/v1/agent/service/{id}") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let instance = await registry.instance(id) else { throw Problem.notFound("no service instance '\(id.prefix(128))' is registered") }
            return try json(AgentServiceView(instance: instance, datacenter: datacenter, includesIndexes: false), index: await registry.index)
        }

        router.get("/v1/agent/checks") { request, _ -> Response in
            try refuseFilters(request)
            let (index, instances) = await registry.allInstances(after: nil, wait: .zero)
            let checks = instances.flatMap { instance in instance.checks.map { ($0.id, HealthCheckView(check: $0, instance: instance)) } }
            return try json(Dictionary(uniqueKeysWithValues: checks), index: index)
        }

        router.get("/v1/agent/self") { _, _ -> Response in
            struct Config: Encodable { let Datacenter: String, PrimaryDatacenter: String, NodeName: String, NodeID: String, Server: Bool, Version: String }
            struct Member: Encodable { let Name: String, Addr: String, Port: Int, Tags: [String: String], Status: Int }
            struct Agent: Encodable { let Config: Config, Member: Member, Meta: [String: String] }
            let (host, port) = hostAndPort(settings.selfAddress)
            return try json(Agent(
                Config: Config(Datacenter: datacenter, PrimaryDatacenter: datacenter, NodeName: ConsulNode.name, NodeID: ConsulNode.id, Server: true, Version: "1.0.0-tradewind"),
                Member: Member(Name: ConsulNode.name, Addr: host, Port: port, Tags: ["dc": datacenter, "role": "consul"], Status: 1),
                Meta: [:]
            ), index: await registry.index)
        }

        router.get("/v1/catalog/services") { request, _ -> Response in
            try checkDatacenter(request, datacenter)
            try refuseFilters(request)
            let (index, wait) = try blocking(request)
            let answer = await answeringOnShutdown(registry) { await registry.services(after: index, wait: wait) }
            return try json(answer.services, index: answer.index)
        }

        router.get("/v1/catalog/service/{name}") { request, context -> Response in
            let name = try context.parameters.require("name")
            try checkDatacenter(request, datacenter)
            try refuseFilters(request)
            let (index, wait) = try blocking(request)
            let tags = request.uri.queryParameters.getAll("tag").map { String($0) }
            let answer = await answeringOnShutdown(registry) { await registry.instances(of: name, passingOnly: false, after: index, wait: wait) }
            let entries = answer.instances.filter { instance in tags.allSatisfy(instance.tags.contains) }
            return try json(entries.map { CatalogServiceEntry(instance: $0, datacenter: datacenter) }, index: answer.index)
        }

        router.get("/v1/catalog/datacenters") { _, _ -> Response in
            try json([datacenter], index: await registry.index)
        }

        router.get("/v1/health/service/{name}") { request, context -> Response in
            let name = try context.parameters.require("name")
            try checkDatacenter(request, datacenter)
            try refuseFilters(request)
            let (index, wait) = try blocking(request)
            let passingOnly = request.uri.queryParameters["passing"].map { $0 != "false" && $0 != "0" } ?? false
            let tags = request.uri.queryParameters.getAll("tag").map { String($0) }
            let answer = await answeringOnShutdown(registry) {
                await registry.instances(of: name, passingOnly: passingOnly, after: index, wait: wait)
            }
            let entries = answer.instances.filter { instance in tags.allSatisfy(instance.tags.contains) }
            return try json(entries.map { HealthServiceEntry($0, datacenter: datacenter) }, index: answer.index)
        }

        router.get("/v1/status/leader") { _, _ -> Response in
            try json("\(settings.selfAddress)", index: nil)
        }

        router.get("/v1/status/peers") { _, _ -> Response in
            try json(["\(settings.selfAddress)"], index: nil)
        }

        let supported = endpoints.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: ", ")
        for method in everyMethod {
            router.on("/v1/**", method: method) { request, _ -> Response in
                throw Problem.notFound(
                    "\(request.method.rawValue) \(request.uri.path.prefix(120)) is not an endpoint of this registry, which implements this part of Consul's HTTP API: \(supported) (see Services/Registry/README.md)"
                )
            }
        }
    }

    /// The body as Consul reads it: whatever its `Content-Type` (clients often send none), keys in any case.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw Problem("content-too-large", title: "Request body too large", status: .contentTooLarge, detail: "the body must be at most \(maximumBodyBytes) bytes")
        }
        guard body.readableBytes > 0 else { throw Problem.badRequest("the request needs a JSON body") }
        do {
            return try ConsulJSON.decoder().decode(T.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw Problem.badRequest("the body is not valid JSON: \(RequestBodyPolicyMiddleware<ServiceRequestContext>.syntaxProblem(in: body))")
            }
            throw error
        }
    }

    public static let maximumBodyBytes = 64 * 1024

    static func checkDatacenter(_ request: Request, _ datacenter: String) throws {
        guard let asked = request.uri.queryParameters["dc"], !asked.isEmpty, asked != datacenter else { return }
        throw Problem.notFound("no datacenter '\(asked.prefix(64))': this registry is the only node of datacenter '\(datacenter)'")
    }

    static func refuseFilters(_ request: Request) throws {
        if request.uri.queryParameters["filter"] != nil {
            throw Problem.badRequest("filter expressions are not supported by this registry; use tag= and passing")
        }
    }

    /// Runs a blocking query, answering it at once when the server begins a graceful shutdown so that draining
    /// does not wait out the query's wait time.
    static func answeringOnShutdown<T: Sendable>(_ registry: ServiceRegistry, _ query: () async -> T) async -> T {
        await withGracefulShutdownHandler {
            await query()
        } onGracefulShutdown: {
            Task { await registry.releaseWaiters() }
        }
    }

    /// `?index=N&wait=30s`: block until the catalog index passes N, for at most `wait` (default 5 min, Consul's).
    static func blocking(_ request: Request) throws -> (UInt64?, Duration) {
        let query = request.uri.queryParameters
        var index: UInt64?
        if let raw = query["index"] {
            guard let value = UInt64(raw) else { throw Problem.validation("index must be a non-negative whole number") }
            index = value
        }
        var wait: Duration = .seconds(300)
        if let raw = query["wait"] {
            guard let value = ConsulDuration.parse(String(raw)) else { throw Problem.validation("wait must be a duration like 30s") }
            wait = value
        }
        return (index, wait)
    }

    static func json(_ value: some Encodable, index: UInt64?) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers: HTTPFields = [.contentType: "application/json"]
        if let index {
            headers[HTTPField.Name("X-Consul-Index")!] = String(index)
            headers[HTTPField.Name("X-Consul-KnownLeader")!] = "true"
            headers[HTTPField.Name("X-Consul-LastContact")!] = "0"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func hostAndPort(_ address: String) -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return (address, 0) }
        return (String(address[..<colon]), port)
    }
}

/// Who a request comes from, by its registry token in `X-Consul-Token`, `Authorization: Bearer` or `?token=`
/// (Consul's three places).
struct TokenIdentification: Sendable {
    let secret: String

    func callAsFunction(_ request: Request, purpose: String = "changing the registry") throws -> Registrant {
        let presented = request.headers[HTTPField.Name("X-Consul-Token")!]
            ?? request.headers[.authorization].flatMap { $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil }
            ?? request.uri.queryParameters["token"].map(String.init)
        // Consul answers a missing token like a token without the permission: 403 (clients read 401 as "ACLs disabled").
        guard let presented, !presented.isEmpty else {
            throw Problem.forbidden("\(purpose) needs a registry token (the service's own, or the operator's) in X-Consul-Token")
        }
        switch RegistryCredential.identity(of: presented, secret: secret) {
        case .service(let name): return .service(name)
        case .settingsReader(let name): return .settingsReader(name)
        case .operator: return .operator
        case nil: throw Problem.forbidden("the token is not a registry token of this registry")
        }
    }
}
