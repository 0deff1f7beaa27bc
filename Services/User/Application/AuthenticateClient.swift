import UserDomain

/// The OAuth2 `client_credentials` grant for machine clients. No refresh token is issued (RFC 6749 4.4.3).
public struct AuthenticateClient: Sendable {
    let clients: any MachineClientRepository
    let hasher: any PasswordHasher
    let budget: any PasswordWorkBudget
    let accessTokens: any AccessTokenIssuer
    let decoyHash: PasswordHash

    public init(
        clients: any MachineClientRepository, hasher: any PasswordHasher, budget: any PasswordWorkBudget, accessTokens: any AccessTokenIssuer,
        decoyHash: PasswordHash
    ) {
        self.clients = clients
        self.hasher = hasher
        self.budget = budget
        self.accessTokens = accessTokens
        self.decoyHash = decoyHash
    }

    public func execute(clientID: String, clientSecret: String, clientAddress: String? = nil) async throws -> TokenGrant {
        guard !clientID.isEmpty, clientID.utf8.count <= 128, !clientSecret.isEmpty, clientSecret.utf8.count <= 72 else {
            throw UserError.invalidClient
        }
        try await budget.spend(address: clientAddress)
        let client = try await clients.client(withID: clientID)
        let matches = try await hasher.verify(clientSecret, against: client?.secretHash ?? decoyHash)
        guard let client, matches else { throw UserError.invalidClient }
        let access = try await accessTokens.issue(subject: client.clientID, roles: client.roles, scopes: client.scopes)
        return TokenGrant(accessToken: access.token, expiresIn: access.expiresIn, refreshToken: nil)
    }
}
