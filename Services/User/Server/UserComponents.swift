import Foundation
import Logging
import TradewindKernel
import TradewindRuntime
import UserApplication
import UserDomain
import UserInfrastructure
import UserInterface

/// The wired object graph of the user service: repositories, adapters and use cases.
struct UserComponents: Sendable {
    let useCases: UserAPI.UseCases
    let ensureAdmin: EnsureAdmin
    let registerClient: RegisterMachineClient

    init(configuration: UserServiceConfiguration, store: any SQLStore, keyRing: SigningKeyRing, clock: any WallClock, ids: any IdentifierGenerator) async throws {
        let users = SQLUserRepository(store: store)
        let tokens = SQLRefreshTokenRepository(store: store)
        let clients = SQLMachineClientRepository(store: store)
        let hasher = BcryptPasswordHasher(cost: UInt8(configuration.bcryptCost))
        let generator = RandomOpaqueTokenGenerator()
        let issuer = await JWTAccessTokenIssuer(
            keys: keyRing, issuer: configuration.runtime.tokenIssuer, audience: configuration.runtime.tokenAudience,
            lifetime: configuration.accessTokenLifetime, clock: clock, ids: ids
        )
        let refreshIssuer = RefreshTokenIssuer(tokens: tokens, generator: generator, ids: ids, lifetime: configuration.refreshTokenLifetime)
        // Checked when an account or client does not exist, so that a miss costs as much as a wrong password.
        let decoyHash = try await hasher.hash(generator.generate())
        let throttle = LoginThrottle(attempts: SQLSignInAttemptLog(store: store), clock: clock, ids: ids)
        let budget = TokenBucketPasswordWorkBudget(limits: configuration.passwordWork)

        useCases = UserAPI.UseCases(
            register: RegisterUser(users: users, hasher: hasher, budget: budget, clock: clock, ids: ids),
            authenticate: AuthenticateWithPassword(
                users: users, hasher: hasher, budget: budget, accessTokens: issuer, refreshTokens: refreshIssuer, throttle: throttle, clock: clock, decoyHash: decoyHash
            ),
            refresh: RefreshAccessToken(users: users, tokens: tokens, generator: generator, accessTokens: issuer, refreshTokens: refreshIssuer, clock: clock),
            authenticateClient: AuthenticateClient(clients: clients, hasher: hasher, budget: budget, accessTokens: issuer, decoyHash: decoyHash),
            revoke: RevokeRefreshToken(tokens: tokens, generator: generator, clock: clock),
            getProfile: GetProfile(users: users),
            updateProfile: UpdateProfile(users: users, clock: clock),
            changePassword: ChangePassword(users: users, tokens: tokens, hasher: hasher, clock: clock),
            listUsers: ListUsers(users: users),
            setRoles: SetUserRoles(users: users, clock: clock),
            lock: LockUser(users: users, tokens: tokens, clock: clock),
            unlock: UnlockUser(users: users, clock: clock)
        )
        ensureAdmin = EnsureAdmin(users: users, hasher: hasher, clock: clock, ids: ids)
        registerClient = RegisterMachineClient(clients: clients, hasher: hasher)
    }

    /// Creates the configured administrator and machine clients; safe to repeat at every start.
    func bootstrap(_ configuration: UserServiceConfiguration, logger: Logger) async throws {
        if let admin = configuration.bootstrapAdmin {
            let outcome: EnsureAdmin.Outcome
            do {
                outcome = try await ensureAdmin.execute(email: admin.email, password: admin.password)
            } catch UserError.emailAlreadyRegistered {
                throw ConfigurationError(
                    variable: "ADMIN_EMAIL",
                    reason: "names an existing account that is not an administrator, which is not promoted because configuration names it; promote it with `tradewind user create-admin --email \(admin.email) --promote-existing` or choose another address"
                )
            }
            logger.info("administrator from ADMIN_EMAIL", metadata: ["outcome": "\(outcome)"])
        }
        for client in configuration.serviceClients {
            try await registerClient.execute(clientID: client.id, secret: client.secret, scopes: client.scopes)
        }
    }
}
