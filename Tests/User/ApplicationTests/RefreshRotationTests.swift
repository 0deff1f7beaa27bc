import Synchronization
import Testing
import TradewindTesting
import UserInfrastructure
import TradewindKernel
import UserApplication
import UserDomain

@Suite struct RefreshRotationTests {
    @Test func aRefreshTokenWorksOnceAndYieldsASuccessor() async throws {
        let fixture = Fixture()
        try await fixture.registerAnn()
        let first = try #require(try await fixture.signIn().refreshToken)
        let second = try await fixture.refresh.execute(refreshToken: first)
        let successor = try #require(second.refreshToken)
        #expect(successor != first)
        _ = try await fixture.refresh.execute(refreshToken: successor)
    }

    @Test func reusingARotatedTokenRevokesTheWholeFamily() async throws {
        let fixture = Fixture()
        try await fixture.registerAnn()
        let stolen = try #require(try await fixture.signIn().refreshToken)
        let legitimate = try #require(try await fixture.refresh.execute(refreshToken: stolen).refreshToken)
        await #expect(throws: UserError.refreshTokenReused) { try await fixture.refresh.execute(refreshToken: stolen) }
        // The owner's current token died with the family.
        await #expect(throws: UserError.invalidRefreshToken) { try await fixture.refresh.execute(refreshToken: legitimate) }
    }

    @Test func otherSessionsSurviveAReuseInOneFamily() async throws {
        let fixture = Fixture()
        try await fixture.registerAnn()
        let phone = try #require(try await fixture.signIn().refreshToken)
        let laptop = try #require(try await fixture.signIn().refreshToken)
        _ = try await fixture.refresh.execute(refreshToken: phone)
        await #expect(throws: UserError.refreshTokenReused) { try await fixture.refresh.execute(refreshToken: phone) }
        _ = try await fixture.refresh.execute(refreshToken: laptop)
    }

    @Test func expiredAndUnknownTokensAreRefused() async throws {
        let fixture = Fixture()
        try await fixture.registerAnn()
        let token = try #require(try await fixture.signIn().refreshToken)
        await #expect(throws: UserError.invalidRefreshToken) { try await fixture.refresh.execute(refreshToken: "made-up") }
        fixture.clock.advance(by: 3601)
        await #expect(throws: UserError.invalidRefreshToken) { try await fixture.refresh.execute(refreshToken: token) }
    }

    @Test func changingThePasswordSignsOutEverySession() async throws {
        let fixture = Fixture()
        let user = try await fixture.registerAnn()
        let token = try #require(try await fixture.signIn().refreshToken)
        let caller = Caller(subject: user.id.description, roles: [.customer])
        let change = ChangePassword(users: fixture.users, tokens: fixture.tokens, hasher: fixture.hasher, clock: fixture.clock)
        await #expect(throws: UserError.invalidCredentials) {
            try await change.execute(caller: caller, .init(currentPassword: "wrong password", newPassword: "new secret 1"))
        }
        try await change.execute(caller: caller, .init(currentPassword: "correct horse", newPassword: "new secret 1"))
        await #expect(throws: UserError.invalidRefreshToken) { try await fixture.refresh.execute(refreshToken: token) }
        await #expect(throws: UserError.invalidCredentials) { try await fixture.signIn() }
        _ = try await fixture.signIn("ann@example.com", "new secret 1")
    }

    @Test func logoutRevokesTheFamilyAndIgnoresUnknownTokens() async throws {
        let fixture = Fixture()
        try await fixture.registerAnn()
        let token = try #require(try await fixture.signIn().refreshToken)
        let revoke = RevokeRefreshToken(tokens: fixture.tokens, generator: fixture.generator, clock: fixture.clock)
        try await revoke.execute(token: "unknown")
        try await revoke.execute(token: token)
        await #expect(throws: UserError.invalidRefreshToken) { try await fixture.refresh.execute(refreshToken: token) }
    }
}
