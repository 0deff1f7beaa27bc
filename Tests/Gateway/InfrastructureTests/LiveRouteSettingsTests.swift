import Foundation
import GatewayDomain
import GatewayInfrastructure
import Testing

@Suite struct LiveRouteSettingsTests {
    let file = try! RouteTable([
        try Route(name: "orders", prefix: "/api/orders", service: "order-service", rewrite: "/orders", access: .authenticated,
                  rateLimit: try RouteRateLimit(perSecond: 5, burst: 10, key: .clientAddress), timeoutMilliseconds: 5000, maximumBodyBytes: 4096),
        try Route(name: "catalog", prefix: "/api/products", service: "product-service", rewrite: "/products", access: .public),
    ])

    func table(_ settings: [String: String]) throws(RouteTableError) -> RouteTable {
        try LiveRouteSettings.table(over: file) { settings[$0] }
    }

    @Test func noSettingsServeTheFilesTable() throws {
        #expect(try table([:]) == file)
    }

    @Test func eachValueOverridesOneRoute() throws {
        let changed = try table([
            "route.orders.timeoutMs": "750", "route.orders.maxBodyBytes": " 100 ", "route.orders.rateLimit.perSecond": "50",
        ])
        let orders = try changed.route(for: "/api/orders")
        #expect(orders.timeoutMilliseconds == 750 && orders.maximumBodyBytes == 100)
        #expect(orders.rateLimit == (try RouteRateLimit(perSecond: 50, burst: 10, key: .clientAddress)), "the burst and key stay")
        #expect(try changed.route(for: "/api/products") == (try file.route(for: "/api/products")))
    }

    @Test func aLimitOnAnUnlimitedRouteCountsBySubjectWithABurstOfTwoSeconds() throws {
        let catalog = try table(["route.catalog.rateLimit.perSecond": "2.5"]).route(for: "/api/products")
        #expect(catalog.rateLimit == (try RouteRateLimit(perSecond: 2.5, burst: 5, key: .subject)))
        #expect(throws: RouteTableError.self) { try table(["route.catalog.rateLimit.burst": "9"]) }
    }

    @Test(arguments: [
        ("route.orders.timeoutMs", "soon", "not a number"),
        ("route.orders.timeoutMs", "0", "timeoutMs must be between"),
        ("route.orders.timeoutMs", "1.5", "not a whole number"),
        ("route.orders.maxBodyBytes", "-1", "must not be negative"),
        ("route.orders.rateLimit.perSecond", "0", "positive"),
        ("route.orders.rateLimit.burst", "0", "at least 1"),
        ("route.orders.rateLimit.perSecond", "inf", "not a number"),
        ("routes", "{", "routes: the route table is not valid"),
        ("routes", #"{"routes": []}"#, "no routes"),
    ])
    func aValueThatCannotBeUsedIsNamed(_ setting: String, _ value: String, _ mentioned: String) {
        let error = #expect(throws: RouteTableError.self) { try table([setting: value]) }
        #expect(error.map { "\($0)".contains(mentioned) } == true, "\(String(describing: error))")
    }

    @Test func aWholeTableReplacesTheFilesAndTakesOverrides() throws {
        let replaced = try table([
            "routes": #"{"routes": [{"name": "members", "prefix": "/api/members", "service": "user-service", "access": "public"}]}"#,
            "route.members.timeoutMs": "1234", "route.orders.timeoutMs": "1",
        ])
        #expect(replaced.routes.map(\.name) == ["members"])
        #expect(try replaced.route(for: "/api/members/1").timeoutMilliseconds == 1234)
    }
}
