import Foundation
import Logging
import Testing
import TradewindRuntime
import TradewindTesting
import UserDomain
import UserInfrastructure

@Suite struct RefreshTokenRepositoryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: TestDatabases.available)
    func rotationSucceedsOnceEvenUnderConcurrency(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await UserSchema.migrator.migrate(store, logger: Logger(label: "test"))
            let user = try User.register(
                id: UserID(rawValue: UUID()), email: EmailAddress("ann@example.com"), displayName: DisplayName("Ann"),
                passwordHash: PasswordHash("h"), at: now
            )
            try await SQLUserRepository(store: store).add(user)
            let tokens = SQLRefreshTokenRepository(store: store)
            let family = UUID()
            let token = RefreshToken(id: UUID(), familyID: family, userID: user.id, tokenHash: "hash-1", issuedAt: now, expiresAt: now.addingTimeInterval(60))
            try await tokens.add(token)
            let sibling = RefreshToken(id: UUID(), familyID: family, userID: user.id, tokenHash: "hash-2", issuedAt: now, expiresAt: now.addingTimeInterval(60))
            try await tokens.add(sibling)

            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<6 { group.addTask { try await tokens.markRotated(token.id, at: self.now) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            #expect(try await tokens.token(withHash: "hash-1")?.standing(at: now) == .reused)

            try await tokens.revokeFamily(family, at: now)
            #expect(try await tokens.token(withHash: "hash-2")?.standing(at: now) == .revoked)
            #expect(try await tokens.markRotated(sibling.id, at: now) == false)
            #expect(try await tokens.token(withHash: "unknown") == nil)
        }
    }

    @Test(arguments: TestDatabases.available)
    func serviceClientsAreReplacedByUpsert(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await UserSchema.migrator.migrate(store, logger: Logger(label: "test"))
            let clients = SQLMachineClientRepository(store: store)
            try await clients.upsert(MachineClient(clientID: "cargo", secretHash: PasswordHash("one"), roles: [.service]))
            try await clients.upsert(MachineClient(clientID: "cargo", secretHash: PasswordHash("two"), roles: [.service, .operator]))
            let stored = try #require(try await clients.client(withID: "cargo"))
            #expect(stored.secretHash == PasswordHash("two"))
            #expect(stored.roles == [.service, .operator])
        }
    }
}
