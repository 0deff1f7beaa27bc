import Foundation
import SQLKit
import TradewindKernel
import TradewindRuntime
import UserDomain

public struct SQLRefreshTokenRepository: RefreshTokenRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func add(_ token: RefreshToken) async throws {
        try await store.transaction { database in
            try await database.insert(into: "refresh_tokens")
                .columns("id", "family_id", "user_id", "token_hash", "issued_at", "expires_at")
                .values(
                    SQLBind(token.id.lowercasedString), SQLBind(token.familyID.lowercasedString),
                    SQLBind(token.userID.description), SQLBind(token.tokenHash), SQLBind(token.issuedAt), SQLBind(token.expiresAt)
                )
                .run()
        }
    }

    public func token(withHash hash: String) async throws -> RefreshToken? {
        try await store.read { database in
            try await database.select().columns("*").from("refresh_tokens").where("token_hash", .equal, hash).first()
        }.map(Self.decode)
    }

    public func markRotated(_ id: UUID, at date: Date) async throws -> Bool {
        let updated = try await store.transaction { database in
            try await database.update("refresh_tokens")
                .set("rotated_at", to: date)
                .where("id", .equal, id.lowercasedString)
                .where("rotated_at", .is, SQLLiteral.null)
                .where("revoked_at", .is, SQLLiteral.null)
                .returning("id")
                .all()
        }
        return !updated.isEmpty
    }

    public func revokeFamily(_ familyID: UUID, at date: Date) async throws {
        try await store.transaction { database in
            try await database.update("refresh_tokens")
                .set("revoked_at", to: date)
                .where("family_id", .equal, familyID.lowercasedString)
                .where("revoked_at", .is, SQLLiteral.null)
                .run()
        }
    }

    public func revokeAll(of userID: UserID, at date: Date) async throws {
        try await store.transaction { database in
            try await database.update("refresh_tokens")
                .set("revoked_at", to: date)
                .where("user_id", .equal, userID.description)
                .where("revoked_at", .is, SQLLiteral.null)
                .run()
        }
    }

    static func decode(_ row: any SQLRow) throws -> RefreshToken {
        guard let id = UUID(uuidString: try row.decode(column: "id", as: String.self)),
              let familyID = UUID(uuidString: try row.decode(column: "family_id", as: String.self)),
              let userID = UserID(try row.decode(column: "user_id", as: String.self))
        else { throw StoredDataError("refresh_tokens row has a malformed id") }
        return RefreshToken(
            id: id, familyID: familyID, userID: userID,
            tokenHash: try row.decode(column: "token_hash", as: String.self),
            issuedAt: try row.decode(column: "issued_at", as: Date.self),
            expiresAt: try row.decode(column: "expires_at", as: Date.self),
            rotatedAt: try row.decode(column: "rotated_at", as: Date?.self),
            revokedAt: try row.decode(column: "revoked_at", as: Date?.self)
        )
    }
}
