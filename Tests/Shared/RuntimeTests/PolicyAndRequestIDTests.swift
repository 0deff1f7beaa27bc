import Testing
@testable import TradewindRuntime

@Suite struct PolicyAndRequestIDTests {
    @Test func unlistedRoutesNeedATokenAndOperationalOnesDoNot() {
        let policy = AccessPolicy(["POST /users": .open, "GET /users": .anyRole(["admin"])])
        #expect(policy.rule(method: "GET", route: "/users/me") == .authenticated)
        #expect(policy.rule(method: "POST", route: "/users") == .open)
        #expect(policy.rule(method: "GET", route: "/users") == .anyRole(["admin"]))
        #expect(policy.rule(method: "GET", route: "/health/ready") == .open)
        #expect(policy.rule(method: "GET", route: "/metrics") == .open)
        #expect(policy.rule(method: "HEAD", route: "/health/live") == .open)
        #expect(policy.rule(method: "HEAD", route: "/users") == .anyRole(["admin"]))
    }

    @Test func requestIDsAreAcceptedOnlyWhenHarmless() {
        #expect(RequestID.accept("abc-123_XYZ.9") == "abc-123_XYZ.9")
        #expect(RequestID.accept("") == nil)
        #expect(RequestID.accept("has space") == nil)
        #expect(RequestID.accept("line\nbreak") == nil)
        #expect(RequestID.accept(String(repeating: "a", count: 129)) == nil)
    }
}
