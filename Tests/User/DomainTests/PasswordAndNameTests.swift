import Testing
import UserDomain

@Suite struct PasswordAndNameTests {
    @Test func acceptsAReasonablePassword() throws {
        #expect(try Password("correct horse").value == "correct horse")
    }

    @Test func rejectsShortLongRepetitiveAndControlPasswords() {
        #expect(throws: UserError.weakPassword("password must be at least 8 characters")) { try Password("short") }
        #expect(throws: UserError.weakPassword("password must be at most 72 bytes")) { try Password(String(repeating: "ab", count: 37)) }
        #expect(throws: UserError.weakPassword("password must use at least 4 different characters")) { try Password("aaaaaaaaaa") }
        #expect(throws: UserError.weakPassword("password must not contain control characters")) { try Password("abcd\u{7}efgh") }
    }

    @Test func countsBytesNotCharactersAgainstTheBcryptLimit() {
        // 25 three-byte characters: 25 characters but 75 bytes.
        #expect(throws: UserError.self) { try Password(String(repeating: "€", count: 25)) }
    }

    @Test func trimsAndBoundsDisplayNames() throws {
        #expect(try DisplayName("  Ann Lee ").value == "Ann Lee")
        #expect(throws: UserError.invalidDisplayName("displayName must not be empty")) { try DisplayName("   ") }
        #expect(throws: UserError.self) { try DisplayName(String(repeating: "x", count: 101)) }
        #expect(throws: UserError.self) { try DisplayName("Ann\nLee") }
    }

    @Test func parsesRolesAndRefusesUnknownOrEmptyOnes() throws {
        #expect(try Role.parse(["admin", "customer", "admin"]) == [.admin, .customer])
        #expect(throws: UserError.invalidRoles("roles must not be empty")) { try Role.parse([]) }
        #expect(throws: UserError.self) { try Role.parse(["root"]) }
    }
}
