import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every bad input gets a 4xx problem that names what is wrong, and nothing is stored.
@Suite struct BadInputTests {
    func expectProblem(_ response: TestResponse, _ status: HTTPResponse.Status, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == status, sourceLocation: sourceLocation)
        let detail = try response.problem()["detail"] as? String ?? ""
        #expect(detail.contains(fragment), "detail was: \(detail)", sourceLocation: sourceLocation)
    }

    /// After the bad requests, only the admin exists.
    func expectNoUsersStored(_ client: any TestClientProtocol) async throws {
        let admin = try await client.signIn(UserServiceHarness.adminEmail, UserServiceHarness.adminPassword)
        let items = try await client.get("/users", token: admin.access).jsonObject()["items"] as? [[String: Any]]
        #expect(items?.count == 1)
    }

    @Test func malformedJSONIsA400NamingTheProblem() async throws {
        try await UserServiceHarness().run { client in
            try expectProblem(try await client.json(.post, "/users", #"{"email": "ann@example.com", "#), .badRequest, mentioning: "Unexpected end of file")
            try expectProblem(try await client.json(.post, "/users", #"{"email": ann}"#), .badRequest, mentioning: "around character 10")
            try expectProblem(try await client.json(.post, "/users", #"{"email": 5, "displayName": "A", "password": "x"}"#), .badRequest, mentioning: "'email'")
            try expectProblem(try await client.json(.post, "/users", #"{"displayName": "A", "password": "x"}"#), .badRequest, mentioning: "'email'")
            try await expectNoUsersStored(client)
        }
    }

    @Test func invalidValuesAre422NamingTheField() async throws {
        try await UserServiceHarness().run { client in
            try expectProblem(try await client.register("not-an-email"), .unprocessableContent, mentioning: "email")
            try expectProblem(try await client.register("ann@example.com'--", password: "correct horse"), .unprocessableContent, mentioning: "email")
            try expectProblem(try await client.register(password: "short"), .unprocessableContent, mentioning: "password")
            try expectProblem(
                try await client.json(.post, "/users", #"{"email":"ann@example.com","displayName":"\u0000","password":"correct horse"}"#),
                .unprocessableContent, mentioning: "displayName"
            )
            try await expectNoUsersStored(client)
        }
    }

    @Test func aDuplicateRegistrationIsAConflict() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let again = try await client.register("ANN@example.com")
            #expect(again.status == .conflict)
            #expect(try again.problem()["type"] as? String == "urn:tradewind:problem:email-taken")
        }
    }

    @Test func oversizedNonUTF8AndWrongTypeBodiesAreRefused() async throws {
        try await UserServiceHarness(maximumBodyBytes: 4096).run { client in
            let huge = #"{"email":"ann@example.com","displayName":""# + String(repeating: "x", count: 10_000) + #"","password":"correct horse"}"#
            try expectProblem(try await client.json(.post, "/users", huge), .contentTooLarge, mentioning: "4096")
            let invalidUTF8 = ByteBuffer(bytes: [0x7B, 0x22, 0x65, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D])
            let binary = try await client.execute(uri: "/users", method: .post, headers: [.contentType: "application/json"], body: invalidUTF8)
            // Foundation's decoder repairs the bytes, so what it reports is the missing field.
            try expectProblem(binary, .badRequest, mentioning: "email")
            try expectProblem(
                try await client.execute(uri: "/users", method: .post, headers: [.contentType: "text/xml"], body: ByteBuffer(string: "<x/>")),
                .unsupportedMediaType, mentioning: "text/xml"
            )
            try await expectNoUsersStored(client)
        }
    }

    @Test func unknownRoutesAndWrongMethodsAreProblems() async throws {
        try await UserServiceHarness().run { client in
            try expectProblem(try await client.get("/no/such/thing"), .notFound, mentioning: "no resource")
            let wrongMethod = try await client.execute(uri: "/users/me", method: .delete)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET, HEAD, PATCH")
            _ = try wrongMethod.problem()
        }
    }

    @Test func badTokenRequestsGetOAuthErrors() async throws {
        try await UserServiceHarness().run { client in
            let missingGrant = try await client.form("/oauth/token", ["username": "ann@example.com"])
            #expect(try missingGrant.jsonObject()["error"] as? String == "invalid_request")
            let unsupported = try await client.form("/oauth/token", ["grant_type": "implicit"])
            #expect(try unsupported.jsonObject()["error"] as? String == "unsupported_grant_type")
            let noPassword = try await client.form("/oauth/token", ["grant_type": "password", "username": "ann@example.com"])
            #expect(try noPassword.jsonObject()["error"] as? String == "invalid_request")
        }
    }

    @Test func malformedIdsAndCursorsAreClientErrors() async throws {
        try await UserServiceHarness().run { client in
            let admin = try await client.signIn(UserServiceHarness.adminEmail, UserServiceHarness.adminPassword)
            let badID = try await client.json(.put, "/users/not-a-uuid/roles", #"{"roles":["admin"]}"#, token: admin.access)
            #expect(badID.status == .notFound)
            let badRole = try await client.json(.put, "/users/00000000-0000-0000-0000-000000000000/roles", #"{"roles":["root"]}"#, token: admin.access)
            #expect(badRole.status == .badRequest)
            try expectProblem(try await client.get("/users?cursor=%27%20OR%201%3D1", token: admin.access), .unprocessableContent, mentioning: "cursor")
            try expectProblem(try await client.get("/users?limit=1000", token: admin.access), .unprocessableContent, mentioning: "limit")
        }
    }
}
