import GatewayDomain
import Testing

@Suite struct RouteTableTests {
    static func route(_ name: String, _ prefix: String, rewrite: String? = nil, access: RouteAccess = .public) throws -> Route {
        try Route(name: name, prefix: prefix, service: "user-service", rewrite: rewrite ?? prefix, access: access)
    }

    @Test func theLongestPrefixWinsOnSegmentBoundaries() throws {
        let table = try RouteTable([try Self.route("users", "/api/users"), try Self.route("me", "/api/users/me")])
        #expect(try table.route(for: "/api/users").name == "users")
        #expect(try table.route(for: "/api/users/42/roles").name == "users")
        #expect(try table.route(for: "/api/users/me").name == "me")
        #expect(try table.route(for: "/api/users/me/password").name == "me")
        #expect(try table.route(for: "/api/users/meow").name == "users")
        #expect(throws: RouteResolutionError.noRoute) { try table.route(for: "/api/usersx") }
        #expect(throws: RouteResolutionError.noRoute) { try table.route(for: "/") }
    }

    @Test func rewritesThePrefixAndKeepsTheRest() throws {
        let users = try Self.route("users", "/api/users", rewrite: "/users")
        #expect(users.upstreamPath(for: "/api/users") == "/users")
        #expect(users.upstreamPath(for: "/api/users/me") == "/users/me")
        let stripped = try Self.route("keys", "/api/keys", rewrite: "")
        #expect(stripped.upstreamPath(for: "/api/keys") == "/")
        #expect(stripped.upstreamPath(for: "/api/keys/jwks.json") == "/jwks.json")
    }

    @Test func refusesPathsThatCouldMeanSomethingElseUpstream() throws {
        let table = try RouteTable([try Self.route("users", "/api/users")])
        for path in ["/api/users/../admin", "/api/users/./me", "/api/users/%2e%2e/admin", "/api/users%2Fme", "/api/users/a\\b", "/api/users/%00", "api/users"] {
            #expect(throws: RouteResolutionError.ambiguousPath, "\(path)") { try table.route(for: path) }
        }
    }

    @Test func accessRules() throws {
        let open = try Self.route("a", "/a"), signedIn = try Self.route("b", "/b", access: .authenticated)
        let admins = try Self.route("c", "/c", access: .anyRole(["admin", "operator"]))
        #expect(open.admits(roles: nil))
        #expect(!signedIn.admits(roles: nil))
        #expect(signedIn.admits(roles: []))
        #expect(!admins.admits(roles: ["customer"]))
        #expect(admins.admits(roles: ["customer", "operator"]))
        #expect(!admins.admits(roles: nil))
    }

    @Test func invalidTablesNameTheProblem() throws {
        #expect(throws: RouteTableError.invalid("the route table has no routes")) { try RouteTable([]) }
        #expect(throws: RouteTableError.invalid("two routes are named 'a'")) { try RouteTable([try Self.route("a", "/a"), try Self.route("a", "/b")]) }
        #expect(throws: RouteTableError.invalid("two routes have the prefix '/a'")) { try RouteTable([try Self.route("a", "/a"), try Self.route("b", "/a")]) }
        #expect(throws: RouteTableError.self) { try Self.route("a", "api") }
        #expect(throws: RouteTableError.self) { try Self.route("a", "/api/") }
        #expect(throws: RouteTableError.self) { try Route(name: "a", prefix: "/a", service: "user service", rewrite: "/a", access: .public) }
        #expect(throws: RouteTableError.self) { try Route(name: "a", prefix: "/a", service: "s", rewrite: "/a", access: .anyRole([])) }
        #expect(throws: RouteTableError.self) { try Route(name: "a", prefix: "/a", service: "s", rewrite: "/a", access: .public, timeoutMilliseconds: 0) }
        #expect(throws: RouteTableError.self) { try RouteRateLimit(perSecond: 0, burst: 1, key: .subject) }
        #expect(throws: RouteTableError.self) { try RouteRateLimit(perSecond: 1, burst: 0, key: .subject) }
    }
}
