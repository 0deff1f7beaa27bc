import GatewayApplication
import GatewayDomain
import Testing
import TradewindKernel

@Suite struct AdmitRequestTests {
    let admission: AdmitRequest

    init() throws {
        admission = AdmitRequest(table: try RouteTable([
            try Route(name: "oauth", prefix: "/api/oauth", service: "user-service", rewrite: "/oauth", access: .public,
                      rateLimit: try RouteRateLimit(perSecond: 1, burst: 5, key: .clientAddress)),
            try Route(name: "me", prefix: "/api/users/me", service: "user-service", rewrite: "/users/me", access: .authenticated,
                      rateLimit: try RouteRateLimit(perSecond: 1, burst: 5, key: .subject)),
            try Route(name: "admin", prefix: "/api/admin", service: "user-service", rewrite: "/admin", access: .anyRole(["admin"])),
        ]))
    }

    @Test func plansTheUpstreamTargetWithTheQuery() throws {
        let route = try admission.route(for: "/api/oauth/token")
        let plan = try admission.plan(route, path: "/api/oauth/token", query: "a=1&b=2", caller: nil, clientAddress: "10.0.0.1")
        #expect(plan.upstreamTarget == "/oauth/token?a=1&b=2")
        #expect(plan.rateLimitKey == "address:10.0.0.1")
        #expect(try admission.plan(route, path: "/api/oauth", query: "", caller: nil, clientAddress: nil).upstreamTarget == "/oauth")
    }

    @Test func bucketsAreKeyedBySubjectWhenKnown() throws {
        let route = try admission.route(for: "/api/users/me")
        let caller = Caller(subject: "user-7", roles: ["customer"])
        #expect(try admission.plan(route, path: "/api/users/me", query: nil, caller: caller, clientAddress: "10.0.0.1").rateLimitKey == "subject:user-7")
    }

    @Test func refusesCallersTheRouteDoesNotAdmit() throws {
        let me = try admission.route(for: "/api/users/me")
        #expect(throws: AdmissionError.authenticationRequired) {
            try admission.plan(me, path: "/api/users/me", query: nil, caller: nil, clientAddress: nil)
        }
        let admin = try admission.route(for: "/api/admin/x")
        #expect(throws: AdmissionError.missingRole(required: ["admin"])) {
            try admission.plan(admin, path: "/api/admin/x", query: nil, caller: Caller(subject: "u", roles: ["customer"]), clientAddress: nil)
        }
        #expect(throws: AdmissionError.noRoute(path: "/api/nothing")) { try admission.route(for: "/api/nothing") }
        #expect(throws: AdmissionError.ambiguousPath) { try admission.route(for: "/api/users/me/../../admin") }
    }
}
