import Testing
import UserDomain

@Suite struct EmailAddressTests {
    @Test func normalizesCaseAndWhitespace() throws {
        #expect(try EmailAddress("  Ann.Lee+Shop@Example.COM ").value == "ann.lee+shop@example.com")
    }

    @Test(arguments: [
        "", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "ann lee@example.com",
        "ann@exa mple.com", "ann@-example.com", ".ann@example.com", "ann..lee@example.com", "ann@example..com",
        "ann@example.com'; DROP TABLE users;--", "ann\u{0}@example.com",
    ])
    func rejectsMalformedAddresses(_ raw: String) {
        #expect(throws: UserError.self) { try EmailAddress(raw) }
    }

    @Test func rejectsOverlongAddresses() {
        let raw = String(repeating: "a", count: 60) + "@" + String(repeating: "b", count: 200) + ".com"
        #expect(throws: UserError.invalidEmail("email must be at most 254 characters")) { try EmailAddress(raw) }
    }
}
