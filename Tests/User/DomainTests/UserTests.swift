import Foundation
import Testing
import UserDomain

@Suite struct UserTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let id = UserID(rawValue: UUID(uuidString: "00000000-0000-0000-0000-000000000001")!)

    func registered() throws -> User {
        try User.register(id: id, email: EmailAddress("ann@example.com"), displayName: DisplayName("Ann"), passwordHash: PasswordHash("h"), at: now)
    }

    @Test func registrationMakesAnActiveCustomerAndRecordsIt() throws {
        let user = try registered()
        #expect(user.roles == [.customer])
        #expect(user.status == .active)
        #expect(user.version == 1)
        #expect(user.events == [.registered(id, email: try EmailAddress("ann@example.com"), at: now)])
    }

    @Test func aLockedUserCannotSignInUntilUnlocked() throws {
        var user = try registered()
        user.lock(at: now.addingTimeInterval(10))
        #expect(throws: UserError.accountLocked) { try user.ensureCanSignIn() }
        user.unlock(at: now.addingTimeInterval(20))
        try user.ensureCanSignIn()
        #expect(user.events.suffix(2) == [.locked(id, at: now.addingTimeInterval(10)), .unlocked(id, at: now.addingTimeInterval(20))])
        #expect(user.updatedAt == now.addingTimeInterval(20))
    }

    @Test func lockingTwiceRecordsOneEvent() throws {
        var user = try registered()
        user.clearEvents()
        user.lock(at: now)
        user.lock(at: now)
        #expect(user.events.count == 1)
    }

    @Test func rolesCannotBeEmptiedAndUnchangedRolesRecordNothing() throws {
        var user = try registered()
        user.clearEvents()
        #expect(throws: UserError.invalidRoles("roles must not be empty")) { try user.assignRoles([], at: now) }
        try user.assignRoles([.customer], at: now)
        #expect(user.events.isEmpty)
        try user.assignRoles([.admin, .operator], at: now)
        #expect(user.roles == [.admin, .operator])
        #expect(user.events == [.rolesChanged(id, roles: [.admin, .operator], at: now)])
    }

    @Test func refreshTokenStandingFollowsItsLifecycle() {
        let token = RefreshToken(id: UUID(), familyID: UUID(), userID: id, tokenHash: "x", issuedAt: now, expiresAt: now.addingTimeInterval(60))
        #expect(token.standing(at: now) == .usable)
        #expect(token.standing(at: now.addingTimeInterval(60)) == .expired)
        let rotated = RefreshToken(id: token.id, familyID: token.familyID, userID: id, tokenHash: "x", issuedAt: now, expiresAt: now.addingTimeInterval(60), rotatedAt: now)
        #expect(rotated.standing(at: now) == .reused)
        let revoked = RefreshToken(id: token.id, familyID: token.familyID, userID: id, tokenHash: "x", issuedAt: now, expiresAt: now.addingTimeInterval(60), rotatedAt: now, revokedAt: now)
        #expect(revoked.standing(at: now) == .revoked)
    }
}
