import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import NIOCore
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting
import UserInfrastructure
import UserServer

/// Attacks that would be real holes if they worked.
@Suite struct SecurityTests {
    @Test func wrongPasswordAndUnknownUserGetTheSameAnswer() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let wrong = try await client.form("/oauth/token", ["grant_type": "password", "username": "ann@example.com", "password": "wrong password"])
            let unknown = try await client.form("/oauth/token", ["grant_type": "password", "username": "nobody@example.com", "password": "wrong password"])
            #expect(wrong.status == .badRequest)
            #expect(unknown.status == wrong.status)
            #expect(String(buffer: unknown.body) == String(buffer: wrong.body))
        }
    }

    @Test func unknownUserTakesAsLongAsAWrongPassword() async throws {
        // A cost at which one bcrypt check (~10 ms) dwarfs everything else a sign-in does.
        try await UserServiceHarness(bcryptCost: 8).run { client in
            var known: [Duration] = [], unknown: [Duration] = []
            // One attempt per account stays clear of the throttle; the fastest of several samples is the cost
            // of the work itself, whatever else the machine runs meanwhile.
            for index in 0..<6 {
                try await client.register("user\(index)@example.com")
                for (username, isKnown) in [("user\(index)@example.com", true), ("nobody\(index)@example.com", false)] {
                    let start = ContinuousClock.now
                    _ = try await client.form("/oauth/token", ["grant_type": "password", "username": username, "password": "wrong password"])
                    if isKnown { known.append(ContinuousClock.now - start) } else { unknown.append(ContinuousClock.now - start) }
                }
            }
            // Without the decoy hash the unknown path would skip bcrypt and answer in well under a millisecond.
            #expect(unknown.min()! > known.min()! / 3, "unknown \(unknown) vs known \(known)")
        }
    }

    @Test func expiredTokensAreRefused() async throws {
        let harness = UserServiceHarness()
        try await harness.run { client in
            try await client.register()
            let tokens = try await client.signIn()
            harness.clock.advance(by: 901 + 30)
            let response = try await client.get("/users/me", token: tokens.access)
            #expect(response.status == .unauthorized)
            #expect(try response.problem()["detail"] as? String == "the access token has expired")
            #expect(response.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
        }
    }

    @Test func aTamperedPayloadIsRefused() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let token = try await client.signIn().access
            var parts = token.split(separator: ".").map(String.init)
            var payload = try JSONSerialization.jsonObject(with: Self.decode(parts[1])) as! [String: Any]
            payload["roles"] = ["admin"]
            parts[1] = Self.encode(try JSONSerialization.data(withJSONObject: payload))
            let response = try await client.get("/users", token: parts.joined(separator: "."))
            #expect(response.status == .unauthorized)
        }
    }

    @Test func algNoneAndHMACTokensAreRefused() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let token = try await client.signIn().access
            let parts = token.split(separator: ".").map(String.init)
            let kid = (try JSONSerialization.jsonObject(with: Self.decode(parts[0])) as! [String: Any])["kid"] as! String
            for alg in ["none", "HS256"] {
                let header = Self.encode(Data(#"{"alg":"\#(alg)","typ":"JWT","kid":"\#(kid)"}"#.utf8))
                for forged in ["\(header).\(parts[1]).", "\(header).\(parts[1]).\(parts[2])"] {
                    #expect(try await client.get("/users/me", token: forged).status == .unauthorized)
                }
            }
        }
    }

    @Test func aTokenSignedByAnotherKeyIsRefused() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let genuine = try await client.signIn().access
            let header = try JSONSerialization.jsonObject(with: Self.decode(genuine.split(separator: ".")[0])) as! [String: Any]
            let claims = try await JWTKeyCollection().add(jwksJSON: String(buffer: try await client.get("/.well-known/jwks.json").body))
                .verify(genuine, as: AccessTokenClaims.self)
            let attacker = JWTKeyCollection()
            let attackerKey = ES256PrivateKey()
            for kid in [header["kid"] as! String, "attacker-key"] {
                await attacker.add(ecdsa: attackerKey, kid: JWKIdentifier(string: kid))
                var admin = claims
                admin.roles = ["admin"]
                let forged = try await attacker.sign(admin, kid: JWKIdentifier(string: kid))
                #expect(try await client.get("/users", token: forged).status == .unauthorized)
            }
        }
    }

    @Test func aCustomerCannotUseAdminRoutes() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            let tokens = try await client.signIn()
            let me = try await client.get("/users/me", token: tokens.access).jsonObject()
            let id = try #require(me["id"] as? String)
            #expect(try await client.get("/users", token: tokens.access).status == .forbidden)
            let promote = try await client.json(.put, "/users/\(id)/roles", #"{"roles":["admin"]}"#, token: tokens.access)
            #expect(promote.status == .forbidden)
            #expect(try promote.problem()["type"] as? String == "urn:tradewind:problem:forbidden")
            #expect(try await client.get("/users/me", token: tokens.access).jsonObject()["roles"] as? [String] == ["customer"])
        }
    }

    @Test func repeatedFailedSignInsAreThrottledWithRetryAfter() async throws {
        try await UserServiceHarness().run { client in
            try await client.register()
            for _ in 0..<5 {
                _ = try await client.form("/oauth/token", ["grant_type": "password", "username": "ann@example.com", "password": "wrong password"])
            }
            let throttled = try await client.form("/oauth/token", ["grant_type": "password", "username": "ann@example.com", "password": "correct horse"])
            #expect(throttled.status == .tooManyRequests)
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(try throttled.problem()["type"] as? String == "urn:tradewind:problem:too-many-requests")
        }
    }

    @Test func everyonesPasswordBudgetIsSetFromTheBcryptCost() throws {
        let standard = try UserServiceConfiguration.load(from: ServiceEnvironment([:]))
        let cheap = try UserServiceConfiguration.load(from: ServiceEnvironment(["BCRYPT_COST": "4"]))
        #expect(standard.passwordWork.global == TokenBucketPasswordWorkBudget.Limits.global(bcryptCost: 12))
        #expect(cheap.passwordWork.global.ratePerSecond == 256 * standard.passwordWork.global.ratePerSecond)
        #expect(cheap.passwordWork.perAddress == standard.passwordWork.perAddress)
    }

    static func decode(_ part: some StringProtocol) -> Data { Data(base64URLEncoded: part)! }

    static func encode(_ data: Data) -> String { data.base64URLEncodedString() }
}
