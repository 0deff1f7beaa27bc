import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import NIOCore
import Testing
import TradewindRuntime

@Suite struct AccountFlowTests {
    @Test func registerSignInAndReadTheProfile() async throws {
        try await UserServiceHarness().run { client in
            let registered = try await client.register()
            #expect(registered.status == .created)
            #expect(try registered.jsonObject()["email"] as? String == "ann@example.com")
            let tokens = try await client.signIn("ANN@example.com")
            let me = try await client.get("/users/me", token: tokens.access)
            #expect(me.status == .ok)
            #expect(try me.jsonObject()["roles"] as? [String] == ["customer"])
        }
    }

    @Test func theAccessTokenVerifiesAgainstThePublishedJWKS() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let tokens = try await client.signIn()
            let jwks = try await client.get("/.well-known/jwks.json")
            #expect(jwks.status == .ok)
            #expect(jwks.headers[.cacheControl] == "public, max-age=300")
            let keys = try await JWTKeyCollection().add(jwksJSON: String(buffer: jwks.body))
            let claims = try await keys.verify(tokens.access, as: AccessTokenClaims.self)
            #expect(claims.iss.value == RuntimeSettings.defaultIssuer)
            #expect(claims.aud.value == [RuntimeSettings.defaultAudience])
            #expect(claims.roles == ["customer"])
            #expect(claims.exp.value.timeIntervalSince(claims.iat.value) == 900)
        }
    }

    @Test func refreshRotatesAndReuseRevokesTheFamily() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let first = try await client.signIn()
            let rotated = try await client.form("/oauth/token", ["grant_type": "refresh_token", "refresh_token": first.refresh])
            #expect(rotated.status == .ok)
            #expect(rotated.headers[.cacheControl] == "no-store")
            let successor = try rotated.jsonObject()["refresh_token"] as? String
            let replay = try await client.form("/oauth/token", ["grant_type": "refresh_token", "refresh_token": first.refresh])
            #expect(replay.status == .badRequest)
            #expect(try replay.jsonObject()["error"] as? String == "invalid_grant")
            let afterReplay = try await client.form("/oauth/token", ["grant_type": "refresh_token", "refresh_token": successor ?? ""])
            #expect(try afterReplay.jsonObject()["error"] as? String == "invalid_grant")
        }
    }

    @Test func logoutRevokesTheRefreshToken() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let tokens = try await client.signIn()
            #expect(try await client.form("/oauth/revoke", ["token": tokens.refresh]).status == .ok)
            let refused = try await client.form("/oauth/token", ["grant_type": "refresh_token", "refresh_token": tokens.refresh])
            #expect(try refused.jsonObject()["error"] as? String == "invalid_grant")
        }
    }

    @Test func profileAndPasswordChanges() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let tokens = try await client.signIn()
            let renamed = try await client.json(.patch, "/users/me", #"{"displayName":"Ann Lee"}"#, token: tokens.access)
            #expect(try renamed.jsonObject()["displayName"] as? String == "Ann Lee")
            let changed = try await client.json(.put, "/users/me/password", #"{"currentPassword":"correct horse","newPassword":"battery staple"}"#, token: tokens.access)
            #expect(changed.status == .noContent)
            let old = try await client.form("/oauth/token", ["grant_type": "password", "username": "ann@example.com", "password": "correct horse"])
            #expect(try old.jsonObject()["error"] as? String == "invalid_grant")
            _ = try await client.signIn("ann@example.com", "battery staple")
        }
    }

    @Test func clientCredentialsWithBasicAuthOrFormFields() async throws {
        try await UserServiceHarness().run { client in
            let basic = Data("order-service:order-service-secret".utf8).base64EncodedString()
            let viaHeader = try await client.form("/oauth/token", ["grant_type": "client_credentials"], headers: [.authorization: "Basic \(basic)"])
            #expect(viaHeader.status == .ok)
            #expect(try viaHeader.jsonObject()["refresh_token"] == nil)
            let viaForm = try await client.form("/oauth/token", ["grant_type": "client_credentials", "client_id": "order-service", "client_secret": "wrong-secret-value"])
            #expect(viaForm.status == .unauthorized)
            #expect(try viaForm.jsonObject()["error"] as? String == "invalid_client")
        }
    }

    @Test func adminManagesUsersWithCursorPagination() async throws {
        try await UserServiceHarness().run { client in
            for index in 0..<3 { try await client.register("user\(index)@example.com") }
            let admin = try await client.signIn(UserServiceHarness.adminEmail, UserServiceHarness.adminPassword)
            let firstPage = try await client.get("/users?limit=2", token: admin.access).jsonObject()
            let cursor = try #require(firstPage["nextCursor"] as? String)
            let secondPage = try await client.get("/users?limit=2&cursor=\(cursor)", token: admin.access).jsonObject()
            let emails = ((firstPage["items"] as? [[String: Any]] ?? []) + (secondPage["items"] as? [[String: Any]] ?? [])).compactMap { $0["email"] as? String }
            #expect(Set(emails) == [UserServiceHarness.adminEmail, "user0@example.com", "user1@example.com", "user2@example.com"])
            #expect(secondPage["nextCursor"] == nil)

            let target = try await client.signIn("user0@example.com")
            let subject = try #require(try await client.get("/users/me", token: target.access).jsonObject()["id"] as? String)
            let promoted = try await client.json(.put, "/users/\(subject)/roles", #"{"roles":["operator"]}"#, token: admin.access)
            #expect(try promoted.jsonObject()["roles"] as? [String] == ["operator"])
            let locked = try await client.execute(uri: "/users/\(subject)/lock", method: .post, headers: [.authorization: "Bearer \(admin.access)"])
            #expect(try locked.jsonObject()["status"] as? String == "locked")
            let refused = try await client.form("/oauth/token", ["grant_type": "password", "username": "user0@example.com", "password": "correct horse"])
            #expect(try refused.jsonObject()["error_description"] as? String == "the account is locked")
        }
    }

    @Test func operationalEndpointsAnswerWithoutATokenAndCountRequests() async throws {
        try await UserServiceHarness().run { client in
            #expect(try await client.get("/health/live").status == .ok)
            let ready = try await client.get("/health/ready")
            #expect(ready.status == .ok)
            #expect(try ready.jsonObject()["checks"] as? [String: String] == ["migrations": "ok"])
            #expect(try await client.get("/openapi.yaml").status == .ok)
            _ = try await client.get("/users/me")
            let metrics = String(buffer: try await client.get("/metrics").body)
            #expect(metrics.contains(#"http_route="/users/me""#))
            #expect(metrics.contains("http_server_request_duration"))
        }
    }
}
