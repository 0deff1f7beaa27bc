import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RegistryApplication
import RegistryDomain
import ServiceLifecycle
import TradewindRuntime

/// The registry's HTTP API: a subset of Consul's agent, catalog and health endpoints.
/// Reads are open; writes need the registry token (`X-Consul-Token` or `Authorization: Bearer`).
public enum RegistryRoutes {
    public static let accessPolicy = AccessPolicy([
        "PUT /v1/agent/service/register": .open,
        "PUT /v1/agent/service/deregister/{id}": .open,
        "PUT /v1/agent/check/pass/{checkID}": .open,
        "GET /v1/catalog/services": .open,
        "GET /v1/health/service/{name}": .open,
    ])

    public static func problems(_ error: any Error) -> Problem? {
        guard let error = error as? RegistryError else { return nil }
        switch error {
        case .invalidRegistration(let detail): return .validation(detail)
        case .unknownInstance(let id): return .notFound("no instance '\(id.prefix(128))' is registered; register it again")
        }
    }

    public static func register(_ registry: ServiceRegistry, token: String, on router: Router<ServiceRequestContext>) {
        let writes = TokenCheck(expected: token)

        router.put("/v1/agent/service/register") { request, context -> Response in
            try writes.check(request)
            let body = try await request.decode(as: AgentServiceRegistration.self, context: context)
            guard let ttlText = body.check?.ttl else { throw Problem.validation("Check.TTL is required: the registry only supports TTL checks") }
            guard let ttl = ConsulDuration.parse(ttlText) else { throw Problem.validation("Check.TTL '\(ttlText.prefix(32))' is not a duration like 10s") }
            let graceText = body.check?.deregisterCriticalServiceAfter ?? "1m"
            guard let grace = ConsulDuration.parse(graceText) else {
                throw Problem.validation("Check.DeregisterCriticalServiceAfter '\(graceText.prefix(32))' is not a duration like 1m")
            }
            try await registry.register(.init(
                id: body.id ?? body.name, service: body.name, address: body.address ?? "127.0.0.1", port: body.port,
                tags: body.tags ?? [], metadata: body.meta ?? [:], ttl: ttl, removeAfterCritical: grace
            ))
            return Response(status: .ok)
        }

        router.put("/v1/agent/service/deregister/{id}") { request, context -> Response in
            try writes.check(request)
            try await registry.deregister(try context.parameters.require("id"))
            return Response(status: .ok)
        }

        router.put("/v1/agent/check/pass/{checkID}") { request, context -> Response in
            try writes.check(request)
            let checkID = try context.parameters.require("checkID")
            try await registry.heartbeat(checkID.hasPrefix("service:") ? String(checkID.dropFirst(8)) : checkID)
            return Response(status: .ok)
        }

        router.get("/v1/catalog/services") { request, _ -> Response in
            let (index, wait) = try blocking(request)
            let answer = await answeringOnShutdown(registry) { await registry.services(after: index, wait: wait) }
            return try json(answer.services, index: answer.index)
        }

        router.get("/v1/health/service/{name}") { request, context -> Response in
            let (index, wait) = try blocking(request)
            let passingOnly = request.uri.queryParameters["passing"].map { $0 != "false" } ?? false
            let name = try context.parameters.require("name")
            let answer = await answeringOnShutdown(registry) {
                await registry.instances(of: name, passingOnly: passingOnly, after: index, wait: wait)
            }
            return try json(answer.instances.map(HealthServiceEntry.init), index: answer.index)
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

    static func json(_ value: some Encodable, index: UInt64) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", HTTPField.Name("X-Consul-Index")!: String(index)],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }
}

/// Compares the presented token with the registry token in constant time.
struct TokenCheck: Sendable {
    let expected: String

    func check(_ request: Request) throws {
        let presented = request.headers[HTTPField.Name("X-Consul-Token")!]
            ?? request.headers[.authorization].flatMap { $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil }
        guard let presented else { throw Problem.unauthorized("registering needs the registry token in X-Consul-Token or Authorization: Bearer") }
        let a = SHA256.hash(data: Data(presented.utf8)), b = SHA256.hash(data: Data(expected.utf8))
        guard a == b else { throw Problem.forbidden("the registry token is wrong") }
    }
}
