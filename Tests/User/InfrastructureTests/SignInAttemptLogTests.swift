import Foundation
import Logging
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting
import UserApplication
import UserDomain
import UserInfrastructure

/// The sign-in throttle's shared state on each database the service runs on. On PostgreSQL the store's pool runs
/// the attempts on separate connections, as replicas would.
@Suite struct SignInAttemptLogTests {
    @Test(arguments: TestDatabases.available)
    func parallelAttemptsOnOneAccountAreHeldToTheLimit(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await UserSchema.migrator.migrate(store, logger: Logger(label: "test"))
            let clock = TestClock()
            let throttle = LoginThrottle(
                policy: .init(attemptsPerAccount: 5, attemptsPerAddress: 1000, window: 900),
                attempts: SQLSignInAttemptLog(store: store), clock: clock, ids: RandomIdentifierGenerator()
            )
            let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        do {
                            _ = try await throttle.admit(email: index.isMultiple(of: 2) ? "ann@example.com" : " ANN@example.com ", address: "10.0.0.\(index)")
                            return true
                        } catch UserError.tooManyAttempts {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            // Each attempt is committed before it is counted: however the burst interleaves, at most 5 get through,
            // and the refused ones are not kept, so the account's remaining attempts are still there afterwards.
            #expect(admitted <= 5)
            var later = 0
            while later < 10, (try? await throttle.admit(email: "ann@example.com", address: "10.0.1.1")) != nil { later += 1 }
            #expect(admitted + later == 5)

            // When the window has passed the account may try again.
            clock.advance(by: 901)
            let ticket = try await throttle.admit(email: "ann@example.com", address: "10.0.0.1")
            try await throttle.succeeded(ticket)
            for _ in 0..<5 { _ = try await throttle.admit(email: "ann@example.com", address: "10.0.0.1") }
            await #expect(throws: UserError.tooManyAttempts(retryAfterSeconds: 900)) {
                try await throttle.admit(email: "ann@example.com", address: "10.0.0.2")
            }
        }
    }

    @Test(arguments: TestDatabases.available)
    func machineClientsKeepTheirScopes(_ kind: TestDatabases.Kind) async throws {
        try await TestDatabases.withStore(kind) { store in
            try await UserSchema.migrator.migrate(store, logger: Logger(label: "test"))
            let clients = SQLMachineClientRepository(store: store)
            try await clients.upsert(MachineClient(clientID: "order-service", secretHash: PasswordHash("h"), roles: [.service], scopes: ["stock:reserve", "freight:book"]))
            #expect(try await clients.client(withID: "order-service")?.scopes == ["stock:reserve", "freight:book"])
            try await clients.upsert(MachineClient(clientID: "order-service", secretHash: PasswordHash("h"), roles: [.service], scopes: []))
            #expect(try await clients.client(withID: "order-service")?.scopes == [])
        }
    }
}
