import Synchronization
import Testing
import TradewindTesting
import UserInfrastructure
import TradewindKernel
import UserApplication
import UserDomain

@Suite struct RegistrationAndSignInTests {
    @Test func registersACustomerWithAHashedPassword() async throws {
        let fixture = Fixture()
        let user = try await fixture.registerAnn()
        let stored = try #require(try await fixture.users.user(withEmail: EmailAddress("ANN@example.com")))
        #expect(stored.id == user.id)
        #expect(stored.roles == [.customer])
        #expect(stored.passwordHash == PasswordHash("plain:correct horse"))
    }

    @Test func refusesASecondAccountForTheSameEmailInAnyCase() async throws {
        let fixture = Fixture()
        try await fixture.registerAnn()
        await #expect(throws: UserError.emailAlreadyRegistered) {
            try await fixture.register.execute(.init(email: "Ann@Example.com", displayName: "Other", password: "another pass"))
        }
    }

    @Test func invalidInputStoresNothing() async throws {
        let fixture = Fixture()
        await #expect(throws: UserError.self) {
            try await fixture.register.execute(.init(email: "ann@example.com", displayName: "Ann", password: "short"))
        }
        #expect(try await fixture.users.list(PageRequest()).items.isEmpty)
    }

    @Test func signInIssuesAnAccessAndARefreshToken() async throws {
        let fixture = Fixture()
        let user = try await fixture.registerAnn()
        let grant = try await fixture.signIn()
        #expect(grant.accessToken == "access:\(user.id):customer")
        #expect(grant.refreshToken?.count == 43)
    }

    @Test func wrongPasswordAndUnknownUserFailAlikeAndBothCostAHashCheck() async throws {
        let fixture = Fixture()
        try await fixture.registerAnn()
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("ann@example.com", "wrong password") }
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("nobody@example.com", "wrong password") }
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("not an email", "wrong password") }
        #expect(fixture.hasher.verifications.withLock { $0 } == 3)
    }

    @Test func aLockedAccountCannotSignInEvenWithTheRightPassword() async throws {
        let fixture = Fixture()
        var user = try await fixture.registerAnn()
        user.lock(at: fixture.clock.now())
        try await fixture.users.save(user)
        await #expect(throws: UserError.accountLocked) { try await fixture.signIn() }
    }

    @Test func repeatedFailuresThrottleTheAccountUntilTheWindowPasses() async throws {
        let fixture = Fixture(throttlePolicy: .init(failuresPerAccount: 3, failuresPerAddress: 100, window: 600))
        try await fixture.registerAnn()
        for _ in 0..<3 {
            await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("ann@example.com", "wrong password") }
        }
        fixture.clock.advance(by: 60)
        // Even the right password is refused while throttled, so guessing gains nothing.
        await #expect(throws: UserError.tooManyAttempts(retryAfterSeconds: 540)) { try await fixture.signIn() }
        fixture.clock.advance(by: 540)
        _ = try await fixture.signIn()
    }

    @Test func failuresFromOneAddressThrottleItAcrossAccounts() async throws {
        let fixture = Fixture(throttlePolicy: .init(failuresPerAccount: 100, failuresPerAddress: 2, window: 300))
        try await fixture.registerAnn()
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("a@example.com", "wrong password", from: "10.9.9.9") }
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("b@example.com", "wrong password", from: "10.9.9.9") }
        await #expect(throws: UserError.tooManyAttempts(retryAfterSeconds: 300)) { try await fixture.signIn(from: "10.9.9.9") }
        _ = try await fixture.signIn(from: "10.1.1.1")
    }
}
