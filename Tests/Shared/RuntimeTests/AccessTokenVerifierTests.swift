import Foundation
import JWTKit
import Synchronization
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

@Suite struct AccessTokenVerifierTests {
    let clock = TestClock()
    let key = ES256PrivateKey()

    func keys(_ kid: String = "k1") async -> VerificationKeys {
        await .ecdsa([(kid, key.publicKey)])
    }

    func token(issuer: String = "issuer", audience: String = "tradewind", issuedAt: Date? = nil, lifetime: TimeInterval = 900, kid: String = "k1") async throws -> String {
        let claims = AccessTokenClaims(subject: "user-1", issuer: issuer, audience: audience, roles: ["customer"], issuedAt: issuedAt ?? clock.now(), lifetime: lifetime, id: "t1")
        return try await JWTKeyCollection().add(ecdsa: key, kid: JWKIdentifier(string: kid)).sign(claims, kid: JWKIdentifier(string: kid))
    }

    func verifier() async -> AccessTokenVerifier {
        AccessTokenVerifier(keys: LocalKeySource(await keys()), issuer: "issuer", audience: "tradewind", clock: clock)
    }

    @Test func acceptsAValidToken() async throws {
        let claims = try await verifier().verify(try await token())
        #expect(claims.sub.value == "user-1")
        #expect(claims.roles == ["customer"])
    }

    @Test func enforcesExpiryAndNotBeforeWithLeeway() async throws {
        let verifier = await verifier()
        let issued = try await token(lifetime: 60)
        clock.advance(by: 60 + 29)
        _ = try await verifier.verify(issued)
        clock.advance(by: 2)
        await #expect(throws: TokenRejection.expired) { try await verifier.verify(issued) }
        let future = try await token(issuedAt: clock.now().addingTimeInterval(120))
        await #expect(throws: TokenRejection.notYetValid) { try await verifier.verify(future) }
    }

    @Test func enforcesIssuerAndAudience() async throws {
        let verifier = await verifier()
        await #expect(throws: TokenRejection.wrongIssuer) { try await verifier.verify(try await token(issuer: "someone-else")) }
        await #expect(throws: TokenRejection.wrongAudience) { try await verifier.verify(try await token(audience: "other-app")) }
    }

    @Test func refusesUnknownKeysGarbageAndOtherAlgorithms() async throws {
        let verifier = await verifier()
        await #expect(throws: TokenRejection.unknownKey) { try await verifier.verify(try await token(kid: "k2")) }
        await #expect(throws: TokenRejection.malformed) { try await verifier.verify("a.b") }
        await #expect(throws: TokenRejection.malformed) { try await verifier.verify("!!!.???.###") }
        let hmac = try await JWTKeyCollection().add(hmac: "a-shared-secret-of-at-least-32-bytes", digestAlgorithm: .sha256, kid: "k1")
            .sign(AccessTokenClaims(subject: "x", issuer: "issuer", audience: "tradewind", roles: ["admin"], issuedAt: clock.now(), lifetime: 60, id: "h"), kid: "k1")
        await #expect(throws: TokenRejection.unsupportedAlgorithm("HS256")) { try await verifier.verify(hmac) }
    }

    @Test func aHeaderSeenBeforeDecidesNothingForAnotherToken() async throws {
        let verifier = await verifier()
        let valid = try await token()
        _ = try await verifier.verify(valid)
        // The same header with another token's claims and the first token's signature.
        let parts = valid.split(separator: ".").map(String.init)
        let otherClaims = try await token(audience: "other-app").split(separator: ".")[1]
        await #expect(throws: TokenRejection.badSignature) { try await verifier.verify("\(parts[0]).\(otherClaims).\(parts[2])") }
        let unsigned = Data(#"{"alg":"none","kid":"k1"}"#.utf8).base64URLEncodedString()
        await #expect(throws: TokenRejection.unsupportedAlgorithm("none")) { try await verifier.verify("\(unsigned).\(parts[1]).") }
        await #expect(throws: TokenRejection.malformed) { try await verifier.verify("\(parts[0]).\(parts[1])") }
        await #expect(throws: TokenRejection.malformed) { try await verifier.verify("\(valid).\(parts[2])") }
        await #expect(throws: TokenRejection.malformed) { try await verifier.verify("\(parts[0])\(parts[1])\(parts[2])") }
        await #expect(throws: TokenRejection.malformed) { try await verifier.verify("\(parts[0])=.\(parts[1]).\(parts[2])") }
        for kid in (0..<40).map({ "k\($0)" }) {
            await #expect(throws: TokenRejection.unknownKey) { try await verifier.verify(try await token(kid: kid == "k1" ? "k1-other" : kid)) }
        }
        #expect(try await verifier.verify(valid).sub.value == "user-1")
    }

    @Test func aRemoteSourceRefetchesForAnUnknownKeyAtMostOncePerInterval() async throws {
        final class CountingSource: VerificationKeySource {
            let refreshes = Mutex(0)
            let collection: VerificationKeys
            init(_ collection: VerificationKeys) { self.collection = collection }
            func keys() async throws -> VerificationKeys { collection }
            func refresh(forUnknownKeyID kid: String) async throws -> VerificationKeys {
                refreshes.withLock { $0 += 1 }
                return collection
            }
        }
        let source = CountingSource(await keys())
        let verifier = AccessTokenVerifier(keys: source, issuer: "issuer", audience: "tradewind", clock: clock)
        await #expect(throws: TokenRejection.unknownKey) { try await verifier.verify(try await token(kid: "rotated")) }
        #expect(source.refreshes.withLock { $0 } == 1)
    }
}
