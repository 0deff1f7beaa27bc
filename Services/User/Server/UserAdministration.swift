import Foundation
import Logging
import ServiceLifecycle
import TradewindKernel
import TradewindRuntime
import UserApplication
import UserDomain
import UserInfrastructure

/// One-off operator tasks run against the service's configured database and keys (`tradewind user …`).
public enum UserAdministration {
    /// Creates an administrator, or with `promotingExisting` grants the admin role to an existing account. Returns
    /// what it did, for people.
    public static func createAdmin(
        email: String, password: String, displayName: String, promotingExisting: Bool = false, environment: ServiceEnvironment, logger: Logger
    ) async throws -> String {
        let configuration = try UserServiceConfiguration.load(from: environment)
        let store = try await DatabaseConnector.open(configuration.runtime.database, logger: logger)
        return try await withRunningStore(store) {
            try await UserSchema.migrator.migrate(store, logger: logger)
            let ensure = EnsureAdmin(
                users: SQLUserRepository(store: store), hasher: BcryptPasswordHasher(cost: UInt8(configuration.bcryptCost)),
                clock: SystemWallClock(), ids: RandomIdentifierGenerator()
            )
            let outcome: EnsureAdmin.Outcome
            do {
                outcome = try await ensure.execute(email: email, password: password, displayName: displayName, promotingExisting: promotingExisting)
            } catch UserError.emailAlreadyRegistered {
                return "\(email) is an existing account that is not an administrator; run again with --promote-existing to grant it the admin role"
            }
            switch outcome {
            case .created: return "created administrator \(email)"
            case .promoted: return "granted the admin role to \(email)"
            case .alreadyAdmin: return "\(email) is already an administrator"
            }
        }
    }

    /// Makes a new signing key for a local run; the previous public key stays in the JWKS.
    public static func rotateSigningKey(environment: ServiceEnvironment) throws -> String {
        let configuration = try UserServiceConfiguration.load(from: environment)
        return try configuration.keys.rotate().currentKeyID
    }

    /// Runs `work` while the store's service runs (PostgreSQL needs its pool running), then shuts it down.
    private static func withRunningStore<T: Sendable>(_ store: any SQLStore & Service, _ work: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            do {
                try await (store as? PostgresStore)?.waitUntilRunning()
                let result = try await work()
                group.cancelAll()
                try? await (store as? SQLiteStore)?.close()
                return result
            } catch {
                group.cancelAll()
                try? await (store as? SQLiteStore)?.close()
                throw error
            }
        }
    }
}
