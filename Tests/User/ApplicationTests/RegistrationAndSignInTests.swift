import Synchronization
import Testing
import TradewindTesting
import UserInfrastructure
import TradewindKernel
import TradewindRuntime
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
        let fixture = Fixture(throttlePolicy: .init(attemptsPerAccount: 3, attemptsPerAddress: 100, window: 600))
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
        let fixture = Fixture(throttlePolicy: .init(attemptsPerAccount: 100, attemptsPerAddress: 2, window: 300))
        try await fixture.registerAnn()
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("a@example.com", "wrong password", from: "10.9.9.9") }
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("b@example.com", "wrong password", from: "10.9.9.9") }
        await #expect(throws: UserError.tooManyAttempts(retryAfterSeconds: 300)) { try await fixture.signIn(from: "10.9.9.9") }
        _ = try await fixture.signIn(from: "10.1.1.1")
    }

    @Test func theAccountIsThrottledUnderItsNormalisedAddressHoweverItIsSpelled() async throws {
        let fixture = Fixture(throttlePolicy: .init(attemptsPerAccount: 3, attemptsPerAddress: 100, window: 600))
        try await fixture.registerAnn()
        for spelling in [" ann@example.com", "ANN@example.com\t", "ann@EXAMPLE.com \n"] {
            await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn(spelling, "wrong password") }
        }
        await #expect(throws: UserError.tooManyAttempts(retryAfterSeconds: 600)) { try await fixture.signIn("  ann@example.com") }
        #expect(LoginThrottle.accountKey(" Ann@Example.com\t") == LoginThrottle.accountKey("ann@example.com"))
    }

    @Test func aBurstOfParallelGuessesGetsNoMoreTriesThanTheLimit() async throws {
        let fixture = Fixture(throttlePolicy: .init(attemptsPerAccount: 5, attemptsPerAddress: 1000, window: 600))
        try await fixture.registerAnn()
        let outcomes = await withTaskGroup(of: UserError?.self) { group in
            for guess in 0..<40 {
                group.addTask {
                    do {
                        _ = try await fixture.signIn("ann@example.com", "wrong password \(guess)")
                        return nil
                    } catch {
                        return error as? UserError
                    }
                }
            }
            return await group.reduce(into: [UserError?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .invalidCredentials }.count == 5)
        #expect(outcomes.filter { if case .tooManyAttempts = $0 { true } else { false } }.count == 35)
        #expect(fixture.hasher.verifications.withLock { $0 } == 5)
    }

    @Test func refusedAttemptsDoNotExtendTheWaitAndASuccessForgivesTheAccount() async throws {
        let fixture = Fixture(throttlePolicy: .init(attemptsPerAccount: 2, attemptsPerAddress: 100, window: 300))
        try await fixture.registerAnn()
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("ann@example.com", "wrong password") }
        _ = try await fixture.signIn()
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("ann@example.com", "wrong password") }
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn("ann@example.com", "wrong password") }
        for _ in 0..<10 {
            fixture.clock.advance(by: 10)
            await #expect(throws: UserError.self) { try await fixture.signIn() }
        }
        // The two failures were at t=0; hammering for 100 s did not move the end of the wait.
        fixture.clock.advance(by: 200)
        _ = try await fixture.signIn()
    }

    @Test func passwordWorkIsRefusedBeforeAnyHashingOnceAnAddressHasSpentItsBudget() async throws {
        let budget = TokenBucketPasswordWorkBudget(limits: .init(
            perAddress: .init(ratePerSecond: 0.001, capacity: 3), global: .init(ratePerSecond: 0.001, capacity: 5)
        ))
        let fixture = Fixture(budget: budget)
        for index in 0..<3 {
            _ = try await fixture.register.execute(.init(email: "u\(index)@example.com", displayName: "U", password: "long password", clientAddress: "10.0.0.7"))
        }
        await #expect(throws: UserError.self) {
            try await fixture.register.execute(.init(email: "u9@example.com", displayName: "U", password: "long password", clientAddress: "10.0.0.7"))
        }
        let before = fixture.hasher.verifications.withLock { $0 }
        do {
            _ = try await fixture.signIn("u0@example.com", "long password", from: "10.0.0.7")
            Issue.record("a fourth unit of password work from one address was allowed")
        } catch UserError.passwordWorkLimited(let seconds) {
            #expect(seconds > 0)
        }
        #expect(fixture.hasher.verifications.withLock { $0 } == before)
        // Another address still has its own budget, until everyone's is spent.
        _ = try await fixture.signIn("u0@example.com", "long password", from: "10.0.0.8")
        _ = try await fixture.signIn("u0@example.com", "long password", from: "10.0.0.9")
        await #expect(throws: UserError.passwordWorkLimited(retryAfterSeconds: 1000)) {
            try await fixture.signIn("u0@example.com", "long password", from: "10.0.0.10")
        }
    }

    @Test func everyonesBudgetFollowsTheBcryptCost() async throws {
        let atCost12 = TokenBucketPasswordWorkBudget.Limits.global(bcryptCost: 12, cores: 2)
        let atCost4 = TokenBucketPasswordWorkBudget.Limits.global(bcryptCost: 4, cores: 2)
        #expect(atCost12 == .init(ratePerSecond: 8, capacity: 16))
        #expect(atCost4 == .init(ratePerSecond: 2048, capacity: 4096))

        // From many addresses at once, cost 12 admits its burst of 16 and refuses the 17th; cost 4 admits hundreds.
        let unlimitedPerAddress = TokenBucket.Limit(ratePerSecond: 1, capacity: 1000)
        let slow = TokenBucketPasswordWorkBudget(limits: .init(perAddress: unlimitedPerAddress, global: atCost12))
        for index in 0..<16 { try await slow.spend(address: "10.0.0.\(index)") }
        await #expect(throws: UserError.self) { try await slow.spend(address: "10.0.1.1") }
        let fast = TokenBucketPasswordWorkBudget(limits: .init(perAddress: unlimitedPerAddress, global: atCost4))
        for index in 0..<800 { try await fast.spend(address: "10.0.\(index / 200).\(index % 200)") }
    }
}
