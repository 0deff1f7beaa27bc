import Foundation
import HTTPTypes
import OpenAPIRuntime
import TradewindKernel
import TradewindRuntime
import UserApplication
import UserContracts
import UserDomain

/// The HTTP face of the user service: implements the operations generated from `openapi.yaml` by calling
/// one use case each. Errors are thrown and rendered by the runtime's problem middleware.
public struct UserAPI: APIProtocol {
    public struct UseCases: Sendable {
        public var register: RegisterUser
        public var authenticate: AuthenticateWithPassword
        public var refresh: RefreshAccessToken
        public var authenticateClient: AuthenticateClient
        public var revoke: RevokeRefreshToken
        public var getProfile: GetProfile
        public var updateProfile: UpdateProfile
        public var changePassword: ChangePassword
        public var listUsers: ListUsers
        public var setRoles: SetUserRoles
        public var lock: LockUser
        public var unlock: UnlockUser

        public init(
            register: RegisterUser, authenticate: AuthenticateWithPassword, refresh: RefreshAccessToken,
            authenticateClient: AuthenticateClient, revoke: RevokeRefreshToken, getProfile: GetProfile,
            updateProfile: UpdateProfile, changePassword: ChangePassword, listUsers: ListUsers, setRoles: SetUserRoles,
            lock: LockUser, unlock: UnlockUser
        ) {
            self.register = register
            self.authenticate = authenticate
            self.refresh = refresh
            self.authenticateClient = authenticateClient
            self.revoke = revoke
            self.getProfile = getProfile
            self.updateProfile = updateProfile
            self.changePassword = changePassword
            self.listUsers = listUsers
            self.setRoles = setRoles
            self.lock = lock
            self.unlock = unlock
        }
    }

    let useCases: UseCases
    let jwks: Data

    public init(useCases: UseCases, jwksDocument: Data) {
        self.useCases = useCases
        self.jwks = jwksDocument
    }

    public func registerUser(_ input: Operations.RegisterUser.Input) async throws -> Operations.RegisterUser.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let user = try await useCases.register.execute(.init(
            email: body.email, displayName: body.displayName, password: body.password, clientAddress: RequestInfo.current?.clientAddress
        ))
        return .created(.init(body: .json(.init(user))))
    }

    public func getCurrentUser(_ input: Operations.GetCurrentUser.Input) async throws -> Operations.GetCurrentUser.Output {
        .ok(.init(body: .json(.init(try await useCases.getProfile.execute(caller: try Self.caller())))))
    }

    public func updateCurrentUser(_ input: Operations.UpdateCurrentUser.Input) async throws -> Operations.UpdateCurrentUser.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let user = try await useCases.updateProfile.execute(caller: try Self.caller(), .init(displayName: body.displayName))
        return .ok(.init(body: .json(.init(user))))
    }

    public func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        try await useCases.changePassword.execute(
            caller: try Self.caller(), .init(currentPassword: body.currentPassword, newPassword: body.newPassword)
        )
        return .noContent(.init())
    }

    public func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let limit = input.query.limit ?? 20
        guard (1...PageRequest.maximumLimit).contains(limit) else {
            throw Problem.validation("limit must be between 1 and \(PageRequest.maximumLimit)")
        }
        let page = try await useCases.listUsers.execute(caller: try Self.caller(), page: PageRequest(limit: limit, cursor: input.query.cursor))
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.User.init), nextCursor: page.nextCursor))))
    }

    public func setUserRoles(_ input: Operations.SetUserRoles.Input) async throws -> Operations.SetUserRoles.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("expected a JSON body") }
        let user = try await useCases.setRoles.execute(
            caller: try Self.caller(), userID: try Self.userID(input.path.id), roles: body.roles.map(\.rawValue)
        )
        return .ok(.init(body: .json(.init(user))))
    }

    public func lockUser(_ input: Operations.LockUser.Input) async throws -> Operations.LockUser.Output {
        .ok(.init(body: .json(.init(try await useCases.lock.execute(caller: try Self.caller(), userID: try Self.userID(input.path.id))))))
    }

    public func unlockUser(_ input: Operations.UnlockUser.Input) async throws -> Operations.UnlockUser.Output {
        .ok(.init(body: .json(.init(try await useCases.unlock.execute(caller: try Self.caller(), userID: try Self.userID(input.path.id))))))
    }

    public func getJWKS(_ input: Operations.GetJWKS.Input) async throws -> Operations.GetJWKS.Output {
        // Set verbatim: the generated code would percent-encode the comma and spaces.
        ResponseHeaders.set(.cacheControl, "public, max-age=300")
        return .ok(.init(body: .json(try JSONDecoder().decode(Components.Schemas.Jwks.self, from: jwks))))
    }

    /// The verified caller; the authentication middleware guarantees one on every route that needs it.
    static func caller() throws -> Caller {
        guard let principal = Principal.current else { throw Problem.unauthorized("this operation needs a bearer access token") }
        return principal.caller
    }

    static func userID(_ raw: String) throws -> UserID {
        guard let id = UserID(raw) else { throw Problem.notFound("no user has the id '\(raw.prefix(64))'") }
        return id
    }
}
