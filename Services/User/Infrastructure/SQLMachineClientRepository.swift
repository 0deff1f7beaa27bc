import SQLKit
import TradewindRuntime
import UserDomain

public struct SQLMachineClientRepository: MachineClientRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func client(withID clientID: String) async throws -> MachineClient? {
        guard let row = try await store.read({ database in
            try await database.select().columns("*").from("service_clients").where("client_id", .equal, clientID).first()
        }) else { return nil }
        return MachineClient(
            clientID: try row.decode(column: "client_id", as: String.self),
            secretHash: PasswordHash(try row.decode(column: "secret_hash", as: String.self)),
            roles: try SQLUserRepository.decodeRoles(row.decode(column: "roles", as: String.self)),
            scopes: Set(try row.decode(column: "scopes", as: String.self).split(separator: " ").map(String.init))
        )
    }

    public func upsert(_ client: MachineClient) async throws {
        try await store.transaction { database in
            try await database.insert(into: "service_clients")
                .columns("client_id", "secret_hash", "roles", "scopes")
                .values(
                    SQLBind(client.clientID), SQLBind(client.secretHash.value), SQLBind(SQLUserRepository.encode(client.roles)),
                    SQLBind(client.scopes.sorted().joined(separator: " "))
                )
                .onConflict(with: ["client_id"]) { conflict in
                    conflict.set(excludedValueOf: "secret_hash").set(excludedValueOf: "roles").set(excludedValueOf: "scopes")
                }
                .run()
        }
    }
}
