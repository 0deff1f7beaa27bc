import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import Synchronization
import Testing
import TradewindRuntime
import TradewindTesting

/// A real HTTP issuer on 127.0.0.1 whose key set can be swapped, counting how often it is asked.
@Suite struct RemoteJWKSTests {
    final class Issuer: Sendable {
        let document = Mutex("")
        let fetches = Mutex(0)
        let failing = Mutex(false)

        func publish(_ keys: [(kid: String, key: ES256PrivateKey)]) {
            let entries = keys.map { kid, key in
                let (x, y) = key.publicKey.parameters!
                return #"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(x)","y":"\#(y)"}"#
            }
            document.withLock { $0 = #"{"keys":[\#(entries.joined(separator: ","))]}"# }
        }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.get("/.well-known/jwks.json") { _, _ -> Response in
                self.fetches.withLock { $0 += 1 }
                if self.failing.withLock({ $0 }) { return Response(status: .serviceUnavailable) }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: self.document.withLock { $0 })))
            }
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        }
    }

    func sign(_ key: ES256PrivateKey, kid: String, clock: TestClock) async throws -> String {
        let claims = AccessTokenClaims(subject: "s", issuer: "issuer", audience: "tradewind", roles: [], issuedAt: clock.now(), lifetime: 600, id: "1")
        return try await JWTKeyCollection().add(ecdsa: key, kid: JWKIdentifier(string: kid)).sign(claims, kid: JWKIdentifier(string: kid))
    }

    @Test func cachesRefetchesOnRotationAndSurvivesAnOutage() async throws {
        let issuer = Issuer()
        let first = ES256PrivateKey(), second = ES256PrivateKey()
        issuer.publish([("one", first)])
        try await issuer.application().test(.live) { client in
            let clock = TestClock()
            let source = RemoteJWKS(
                url: "http://127.0.0.1:\(client.port!)/.well-known/jwks.json", clock: clock, cacheLifetime: 300,
                minimumRefetchInterval: 10, logger: Logger(label: "test")
            )
            let verifier = AccessTokenVerifier(keys: source, issuer: "issuer", audience: "tradewind", clock: clock)

            for _ in 0..<3 { _ = try await verifier.verify(try await sign(first, kid: "one", clock: clock)) }
            #expect(issuer.fetches.withLock { $0 } == 1)

            // The issuer rotates; a token with the new kid triggers one refetch.
            issuer.publish([("two", second), ("one", first)])
            clock.advance(by: 11)
            _ = try await verifier.verify(try await sign(second, kid: "two", clock: clock))
            #expect(issuer.fetches.withLock { $0 } == 2)

            // Made-up key ids cannot make the verifier hammer the issuer.
            for index in 0..<5 {
                await #expect(throws: TokenRejection.unknownKey) { try await verifier.verify(try await sign(second, kid: "bogus-\(index)", clock: clock)) }
            }
            #expect(issuer.fetches.withLock { $0 } == 2)

            // The issuer goes down after the cache expires: the last known keys keep working.
            issuer.failing.withLock { $0 = true }
            clock.advance(by: 301)
            _ = try await verifier.verify(try await sign(first, kid: "one", clock: clock))
            #expect(issuer.fetches.withLock { $0 } == 3)
        }
    }
}
