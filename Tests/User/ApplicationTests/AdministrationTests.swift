import Foundation
import Synchronization
import Testing
import TradewindTesting
import UserInfrastructure
import TradewindKernel
import UserApplication
import UserDomain

@Suite struct AdministrationTests {
    @Test func onlyAdminsManageUsers() async throws {
        let fixture = Fixture()
        let ann = try await fixture.registerAnn()
        let customer = Caller(subject: ann.id.description, roles: [.customer])
        let setRoles = SetUserRoles(users: fixture.users, clock: fixture.clock)
        await #expect(throws: UserError.forbidden("this operation needs the admin role")) {
            try await setRoles.execute(caller: customer, userID: ann.id, roles: ["admin"])
        }
        await #expect(throws: UserError.forbidden("this operation needs the admin role")) {
            try await ListUsers(users: fixture.users).execute(caller: customer, page: PageRequest())
        }
        #expect(try await fixture.users.user(withID: ann.id)?.roles == [.customer])
    }

    @Test func adminSetsRolesAndCannotDropTheirOwnAdminRole() async throws {
        let fixture = Fixture()
        let ann = try await fixture.registerAnn()
        let admin = try await fixture.makeAdmin()
        let setRoles = SetUserRoles(users: fixture.users, clock: fixture.clock)
        let updated = try await setRoles.execute(caller: admin, userID: ann.id, roles: ["operator", "customer"])
        #expect(updated.roles == [.operator, .customer])
        await #expect(throws: UserError.self) {
            try await setRoles.execute(caller: admin, userID: try admin.userID(), roles: ["customer"])
        }
        await #expect(throws: UserError.invalidRoles("unknown role 'root'; known roles: customer, admin, operator, service")) {
            try await setRoles.execute(caller: admin, userID: ann.id, roles: ["root"])
        }
    }

    @Test func lockingRevokesSessionsAndUnlockingRestoresSignIn() async throws {
        let fixture = Fixture()
        let ann = try await fixture.registerAnn()
        let admin = try await fixture.makeAdmin()
        let token = try #require(try await fixture.signIn().refreshToken)
        _ = try await LockUser(users: fixture.users, tokens: fixture.tokens, clock: fixture.clock).execute(caller: admin, userID: ann.id)
        await #expect(throws: UserError.invalidRefreshToken) { try await fixture.refresh.execute(refreshToken: token) }
        await #expect(throws: UserError.accountLocked) { try await fixture.signIn() }
        _ = try await UnlockUser(users: fixture.users, clock: fixture.clock).execute(caller: admin, userID: ann.id)
        _ = try await fixture.signIn()
    }

    @Test func listsUsersInPagesWithAStableCursor() async throws {
        let fixture = Fixture()
        let admin = try await fixture.makeAdmin()
        for index in 0..<5 {
            fixture.clock.advance(by: 1)
            _ = try await fixture.register.execute(.init(email: "user\(index)@example.com", displayName: "User \(index)", password: "password \(index)"))
        }
        let list = ListUsers(users: fixture.users)
        let first = try await list.execute(caller: admin, page: PageRequest(limit: 4))
        let second = try await list.execute(caller: admin, page: PageRequest(limit: 4, cursor: first.nextCursor))
        #expect(first.items.map(\.email.value) == ["root@example.com", "user0@example.com", "user1@example.com", "user2@example.com"])
        #expect(second.items.map(\.email.value) == ["user3@example.com", "user4@example.com"])
        #expect(second.nextCursor == nil)
        await #expect(throws: UserError.invalidCursor) { try await list.execute(caller: admin, page: PageRequest(cursor: "garbage!")) }
    }

    @Test func ensureAdminCreatesOnceThenLeavesTheAccountAlone() async throws {
        let fixture = Fixture()
        let ensure = EnsureAdmin(users: fixture.users, hasher: fixture.hasher, clock: fixture.clock, ids: fixture.ids)
        #expect(try await ensure.execute(email: "ops@example.com", password: "first password") == .created)
        #expect(try await ensure.execute(email: "ops@example.com", password: "other password") == .alreadyAdmin)
        _ = try await fixture.signIn("ops@example.com", "first password")
        try await fixture.registerAnn()
        // Configuration naming someone's address does not make them an administrator; only the operator's flag does.
        await #expect(throws: UserError.emailAlreadyRegistered) { try await ensure.execute(email: "ann@example.com", password: "ignored pass") }
        #expect(try await fixture.users.user(withEmail: EmailAddress("ann@example.com"))?.roles == [.customer])
        #expect(try await ensure.execute(email: "ann@example.com", password: "ignored pass", promotingExisting: true) == .promoted)
        #expect(try await fixture.users.user(withEmail: EmailAddress("ann@example.com"))?.roles == [.admin, .customer])
    }

    @Test func clientCredentialsCheckTheHashedSecret() async throws {
        let fixture = Fixture()
        try await RegisterMachineClient(clients: fixture.clients, hasher: fixture.hasher)
            .execute(clientID: "order-service", secret: "a-long-enough-secret", scopes: ["stock:reserve", "events:publish:order-service"])
        #expect(try await fixture.clients.client(withID: "order-service")?.secretHash == PasswordHash("plain:a-long-enough-secret"))
        let authenticate = AuthenticateClient(
            clients: fixture.clients, hasher: fixture.hasher, budget: fixture.budget, accessTokens: LabelIssuer(), decoyHash: fixture.decoy
        )
        let grant = try await authenticate.execute(clientID: "order-service", clientSecret: "a-long-enough-secret")
        #expect(grant.accessToken == "access:order-service:service:events:publish:order-service stock:reserve")
        #expect(grant.refreshToken == nil)
        await #expect(throws: UserError.invalidClient) { try await authenticate.execute(clientID: "order-service", clientSecret: "wrong") }
        await #expect(throws: UserError.invalidClient) { try await authenticate.execute(clientID: "nobody", clientSecret: "a-long-enough-secret") }
    }
}
