import Foundation
import GatewayApplication
import GatewayDomain
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import TradewindRuntime

/// The gateway's own pages, served by the router: `/admin/routes` and `/admin/upstreams` show the route table in force,
/// the instances the gateway knows and their breakers (admin role). Requests under `/api/` never reach the router:
/// ``GatewayProxy`` serves them on the event loop.
public enum GatewayRoutes {
    public static let accessPolicy = AccessPolicy(["GET /admin/routes": .anyRole(["admin"]), "GET /admin/upstreams": .anyRole(["admin"])])

    public static func register<Context: RequestContext>(admin: GatewayAdmin, on router: Router<Context>) {
        router.get("/admin/routes") { _, _ in try json(admin.routes()) }
        router.get("/admin/upstreams") { _, _ in try json(await admin.upstreams()) }
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// What the admin pages report.
public struct GatewayAdmin: Sendable {
    public struct RouteView: Encodable, Sendable {
        let name: String, prefix: String, service: String, rewrite: String, access: String
        let rateLimit: RateLimitView?
        let timeoutMs: Int, maxBodyBytes: Int
    }

    public struct RateLimitView: Encodable, Sendable {
        let perSecond: Double, burst: Int, key: String
    }

    public struct UpstreamView: Encodable, Sendable {
        let service: String
        let instances: [InstanceView]
    }

    public struct InstanceView: Encodable, Sendable {
        let id: String, url: String, breaker: String
    }

    let routing: GatewayRouting
    let discovery: any ServiceDiscovery
    let selector: InstanceSelector

    public init(routing: GatewayRouting, discovery: any ServiceDiscovery, selector: InstanceSelector) {
        self.routing = routing
        self.discovery = discovery
        self.selector = selector
    }

    func routes() -> [RouteView] {
        routing.current.table.routes.sorted { $0.prefix < $1.prefix }.map { route in
            let access = switch route.access {
            case .public: "public"
            case .authenticated: "authenticated"
            case .anyRole(let roles): "role:" + roles.sorted().joined(separator: ",")
            }
            return RouteView(
                name: route.name, prefix: route.prefix, service: route.service, rewrite: route.rewrite, access: access,
                rateLimit: route.rateLimit.map { RateLimitView(perSecond: $0.perSecond, burst: $0.burst, key: $0.key.rawValue) },
                timeoutMs: route.timeoutMilliseconds, maxBodyBytes: route.maximumBodyBytes
            )
        }
    }

    func upstreams() async -> [UpstreamView] {
        let phases = selector.breakerPhases()
        var views: [UpstreamView] = []
        for service in routing.current.table.services {
            let endpoints = await discovery.endpoints(of: service)
            views.append(UpstreamView(service: service, instances: endpoints.map {
                InstanceView(id: $0.id, url: $0.baseURL, breaker: (phases[$0.id] ?? .closed).rawValue)
            }))
        }
        return views
    }

    /// `gateway_upstream_instances{service, breaker}`: how many known instances of each upstream are in each
    /// breaker phase, recorded when `/metrics` is read (every phase, zeros too, so that a recovered instance
    /// leaves `open`).
    public func recordUpstreamHealth() async {
        for upstream in await upstreams() {
            for phase in CircuitBreaker.Phase.allCases {
                Gauge(label: "gateway_upstream_instances", dimensions: [("service", upstream.service), ("breaker", phase.rawValue)])
                    .record(upstream.instances.filter { $0.breaker == phase.rawValue }.count)
            }
        }
    }
}
