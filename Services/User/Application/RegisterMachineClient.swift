import TradewindKernel
import UserDomain

/// Stores a machine client's id, the hash of its secret and its scopes, replacing earlier ones.
public struct RegisterMachineClient: Sendable {
    let clients: any MachineClientRepository
    let hasher: any PasswordHasher

    public init(clients: any MachineClientRepository, hasher: any PasswordHasher) {
        self.clients = clients
        self.hasher = hasher
    }

    public func execute(clientID: String, secret: String, scopes: Set<String>, roles: Set<Role> = [.service]) async throws {
        guard !clientID.isEmpty, clientID.utf8.count <= 128,
              clientID.unicodeScalars.allSatisfy({ $0.isASCII && !$0.properties.isWhitespace && $0 != ":" })
        else { throw UserError.invalidRequest("client id must be 1 to 128 printable ASCII characters without ':'") }
        guard secret.utf8.count >= 16, secret.utf8.count <= 72 else {
            throw UserError.invalidRequest("client secret must be 16 to 72 bytes")
        }
        guard scopes.allSatisfy(Scope.isWellFormed) else {
            throw UserError.invalidRequest("a scope must be 1 to 128 printable ASCII characters without spaces or quotes")
        }
        if let existing = try await clients.client(withID: clientID),
           existing.roles == roles, existing.scopes == scopes, try await hasher.verify(secret, against: existing.secretHash) {
            return
        }
        try await clients.upsert(MachineClient(clientID: clientID, secretHash: try await hasher.hash(secret), roles: roles, scopes: scopes))
    }
}
