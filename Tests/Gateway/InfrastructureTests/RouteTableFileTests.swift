import Foundation
import GatewayDomain
import GatewayInfrastructure
import Testing

@Suite struct RouteTableFileTests {
    @Test func theRepositorysRouteTableLoads() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Services/Gateway/routes.json")
        let table = try RouteTableFile.load(contentsOf: file)
        #expect(try table.route(for: "/api/users/me").access == .authenticated)
        #expect(try table.route(for: "/api/oauth/token").upstreamPath(for: "/api/oauth/token") == "/oauth/token")
        #expect(table.services.contains("user-service"))
        // Machine clients reach reservations and cargo bookings inside the network only, never through the edge.
        #expect(try table.route(for: "/api/reservations").access == .anyRole(["admin"]))
        #expect(try table.route(for: "/api/cargos").access == .anyRole(["admin"]))
    }

    @Test func readsEveryField() throws {
        let table = try RouteTableFile.parse(Data("""
            {"routes": [{"name": "ops", "prefix": "/api/ops", "service": "cargo-service", "rewrite": "/ops", "access": "role:admin, operator",
                         "rateLimit": {"perSecond": 2.5, "burst": 10, "key": "client-address"}, "timeoutMs": 1500, "maxBodyBytes": 100}]}
            """.utf8))
        let route = try table.route(for: "/api/ops")
        #expect(route.access == .anyRole(["admin", "operator"]))
        #expect(route.rateLimit == (try RouteRateLimit(perSecond: 2.5, burst: 10, key: .clientAddress)))
        #expect(route.timeoutMilliseconds == 1500)
        #expect(route.maximumBodyBytes == 100)
    }

    @Test func mistakesAreExplained() throws {
        func reason(_ json: String) -> String {
            do {
                _ = try RouteTableFile.parse(Data(json.utf8))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(reason("nope").contains("not JSON"))
        #expect(reason(#"{"routes": [{"name": "a", "prefix": "/a", "access": "public"}]}"#).contains("missing 'service'"))
        #expect(reason(#"{"routes": [{"name": "a", "prefix": "/a", "service": "s", "access": "everyone"}]}"#).contains("access must be"))
        #expect(reason(#"{"routes": [{"name": "a", "prefix": "/a", "service": "s", "access": "public", "rateLimit": {"perSecond": 1, "burst": 1, "key": "ip"}}]}"#).contains("rate limit key"))
        #expect(reason(#"{"routes": [{"name": "a", "prefix": "/a", "service": "s", "access": "public", "timeoutMs": "soon"}]}"#).contains("timeoutMs"))
        #expect(throws: RouteTableError.self) { try RouteTableFile.load(contentsOf: URL(fileURLWithPath: "/nonexistent/routes.json")) }
    }
}
