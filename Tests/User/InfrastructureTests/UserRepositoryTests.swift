import Foundation
import Logging
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting
import UserDomain
import UserInfrastructure

/// The same cases on SQLite and on a real PostgreSQL.
@Suite struct UserRepositoryTests {
    let logger = Logger(label: "test")
    let now = Date(timeIntervalSince1970: 1_800_000_000.123_456_7)

    func migrated(_ kind: TestDatabases.Kind, _ body: (any SQLStore) async throws -> Void) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await UserSchema.migrator.migrate(store, logger: logger)
            try await body(store)
        }
    }

    func user(_ number: Int, email: String? = nil, at date: Date? = nil) throws -> User {
        try User.register(
            id: UserID(rawValue: UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", number))!),
            email: EmailAddress(email ?? "user\(number)@example.com"), displayName: DisplayName("User \(number)"),
            passwordHash: PasswordHash("$2b$04$hash"), at: date ?? now
        )
    }

    @Test(arguments: TestDatabases.available)
    func migrationsAreRecordedAndRunOnce(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            let first = try await UserSchema.migrator.migrate(store, logger: logger)
            let second = try await UserSchema.migrator.migrate(store, logger: logger)
            let applied = try await UserSchema.migrator.appliedVersion(store)
            #expect(first == [1, 2])
            #expect(second == [])
            #expect(applied == UserSchema.migrator.latestVersion)
        }
    }

    @Test(arguments: TestDatabases.available)
    func storesAndReadsBackEveryField(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let repository = SQLUserRepository(store: store)
            var original = try user(1)
            try original.assignRoles([.admin, .operator], at: now)
            try await repository.add(original)
            let loaded = try #require(try await repository.user(withEmail: EmailAddress("USER1@example.com")))
            #expect(loaded.id == original.id)
            #expect(loaded.email == original.email)
            #expect(loaded.displayName == original.displayName)
            #expect(loaded.passwordHash == original.passwordHash)
            #expect(loaded.roles == [.admin, .operator])
            #expect(loaded.status == .active)
            #expect(abs(loaded.createdAt.timeIntervalSince(now)) < 0.001)
            #expect(loaded.version == 1)
            #expect(try await repository.user(withID: original.id)?.email == original.email)
        }
    }

    @Test(arguments: TestDatabases.available)
    func aTakenEmailIsReportedNotCrashed(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let repository = SQLUserRepository(store: store)
            try await repository.add(try user(1, email: "same@example.com"))
            await #expect(throws: UserError.emailAlreadyRegistered) { try await repository.add(try user(2, email: "same@example.com")) }
            #expect(try await repository.list(PageRequest()).items.count == 1)
        }
    }

    @Test(arguments: TestDatabases.available)
    func concurrentRegistrationsOfOneEmailStoreExactlyOne(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let repository = SQLUserRepository(store: store)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for number in 1...8 {
                    let candidate = try user(number, email: "race@example.com")
                    group.addTask {
                        do { try await repository.add(candidate); return true } catch UserError.emailAlreadyRegistered { return false }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
        }
    }

    @Test(arguments: TestDatabases.available)
    func aStaleSaveIsRejected(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let repository = SQLUserRepository(store: store)
            try await repository.add(try user(1))
            var first = try #require(try await repository.user(withID: try user(1).id))
            var second = first
            first.lock(at: now)
            try await repository.save(first)
            second.rename(to: try DisplayName("Stale"), at: now)
            await #expect(throws: UserError.concurrentUpdate) { try await repository.save(second) }
            let stored = try #require(try await repository.user(withID: first.id))
            #expect(stored.status == .locked)
            #expect(stored.displayName.value == "User 1")
            #expect(stored.version == 2)
            await #expect(throws: UserError.userNotFound) { try await repository.save(try user(9)) }
        }
    }

    @Test(arguments: TestDatabases.available)
    func pagesThroughUsersInCreationOrder(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let repository = SQLUserRepository(store: store)
            // Two users share a timestamp, so the id breaks the tie.
            let dates = [0, 1, 1, 2, 3].map { now.addingTimeInterval(Double($0)) }
            for (index, date) in dates.enumerated() { try await repository.add(try user(index + 1, at: date)) }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await repository.list(PageRequest(limit: 2, cursor: cursor))
                seen += page.items.map(\.email.value)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == (1...5).map { "user\($0)@example.com" })
            await #expect(throws: UserError.invalidCursor) { try await repository.list(PageRequest(cursor: "not-a-cursor")) }
        }
    }

    @Test(arguments: TestDatabases.available)
    func injectionLikeValuesAreStoredAsData(_ kind: TestDatabases.Kind) async throws {
        try await migrated(kind) { store in
            let repository = SQLUserRepository(store: store)
            var hostile = try user(1, email: "o'brien@example.com")
            hostile.rename(to: try DisplayName("Robert'); DROP TABLE users;--"), at: now)
            try await repository.add(hostile)
            #expect(try await repository.user(withEmail: EmailAddress("o'brien@example.com"))?.displayName.value == "Robert'); DROP TABLE users;--")
            #expect(try await repository.list(PageRequest()).items.count == 1)
        }
    }
}
