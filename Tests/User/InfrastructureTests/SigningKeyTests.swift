import Foundation
import JWTKit
import Testing
import UserInfrastructure

@Suite struct SigningKeyTests {
    func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-keys-\(UUID().uuidString)").path
    }

    @Test func generatesAKeyOnceAndKeepsIt() throws {
        let store = SigningKeyStore(source: .folder(temporaryFolder()))
        let first = try store.load()
        let second = try store.load()
        #expect(first.currentKeyID == second.currentKeyID)
        #expect(first.previous.isEmpty)
    }

    @Test func rotationPublishesBothKeysAndSignsWithTheNewOne() async throws {
        let store = SigningKeyStore(source: .folder(temporaryFolder()))
        let before = try store.load()
        let after = try store.rotate()
        #expect(after.currentKeyID != before.currentKeyID)
        #expect(after.previous.map(\.kid) == [before.currentKeyID])
        let document = try JSONSerialization.jsonObject(with: after.jwksDocument()) as? [String: [[String: String]]]
        let kids = document?["keys"]?.compactMap { $0["kid"] }
        #expect(kids == [after.currentKeyID, before.currentKeyID])
        #expect(document?["keys"]?.allSatisfy { $0["alg"] == "ES256" && $0["kty"] == "EC" && $0["d"] == nil } == true)
    }

    @Test func refusesAKeyThatIsNotAP256PrivateKey() {
        let store = SigningKeyStore(source: .pem(current: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", previousFile: nil))
        #expect(throws: KeyRingError.self) { try store.load() }
    }
}
