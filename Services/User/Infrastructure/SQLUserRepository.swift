import Foundation
import SQLKit
import TradewindKernel
import TradewindRuntime
import UserDomain

/// Users in SQL. Inserts detect a taken e-mail with `ON CONFLICT DO NOTHING … RETURNING`, and saves use the
/// aggregate's version for optimistic concurrency, both without relying on driver-specific error codes.
public struct SQLUserRepository: UserRepository {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func add(_ user: User) async throws {
        let inserted = try await store.transaction { database in
            try await database.insert(into: "users")
                .columns("id", "email", "display_name", "password_hash", "roles", "status", "created_at", "updated_at", "version")
                .values(
                    SQLBind(user.id.description), SQLBind(user.email.value), SQLBind(user.displayName.value),
                    SQLBind(user.passwordHash.value), SQLBind(Self.encode(user.roles)), SQLBind(user.status.rawValue),
                    SQLBind(user.createdAt), SQLBind(user.updatedAt), SQLBind(user.version)
                )
                .ignoringConflicts(with: ["email"])
                .returning("id")
                .all()
        }
        if inserted.isEmpty { throw UserError.emailAlreadyRegistered }
    }

    public func save(_ user: User) async throws {
        let updated = try await store.transaction { database in
            try await database.update("users")
                .set("email", to: user.email.value)
                .set("display_name", to: user.displayName.value)
                .set("password_hash", to: user.passwordHash.value)
                .set("roles", to: Self.encode(user.roles))
                .set("status", to: user.status.rawValue)
                .set("updated_at", to: user.updatedAt)
                .set("version", to: user.version + 1)
                .where("id", .equal, user.id.description)
                .where("version", .equal, user.version)
                .returning("id")
                .all()
        }
        guard updated.isEmpty else { return }
        if try await self.user(withID: user.id) == nil { throw UserError.userNotFound }
        throw UserError.concurrentUpdate
    }

    public func user(withID id: UserID) async throws -> User? {
        try await store.read { database in
            try await database.select().columns(Self.columns).from("users").where("id", .equal, id.description).first()
        }.map(Self.decode)
    }

    public func user(withEmail email: EmailAddress) async throws -> User? {
        try await store.read { database in
            try await database.select().columns(Self.columns).from("users").where("email", .equal, email.value).first()
        }.map(Self.decode)
    }

    public func list(_ request: PageRequest) async throws -> Page<User> {
        let after = try request.cursor.map { encoded in
            guard let cursor = KeysetCursor(encoded: encoded), let id = UserID(cursor.lastID) else { throw UserError.invalidCursor }
            return id.description
        }
        let rows = try await store.read { database in
            var query = database.select().columns(Self.columns).from("users")
            if let after {
                query = query.where(SQLQueryString("(created_at, id) > (SELECT created_at, id FROM users WHERE id = \(bind: after))"))
            }
            return try await query.orderBy("created_at").orderBy("id").limit(request.limit + 1).all()
        }
        let users = try rows.prefix(request.limit).map(Self.decode)
        let next = rows.count > request.limit ? users.last.map { KeysetCursor(lastID: $0.id.description).encoded } : nil
        return Page(items: users, nextCursor: next)
    }

    static let columns = ["id", "email", "display_name", "password_hash", "roles", "status", "created_at", "updated_at", "version"]

    static func encode(_ roles: Set<Role>) -> String { roles.map(\.rawValue).sorted().joined(separator: ",") }

    static func decodeRoles(_ text: String) throws -> Set<Role> {
        Set(try text.split(separator: ",").map { name in
            guard let role = Role(rawValue: String(name)) else { throw StoredDataError("unknown role '\(name)'") }
            return role
        })
    }

    static func decode(_ row: any SQLRow) throws -> User {
        guard let id = UserID(try row.decode(column: "id", as: String.self)),
              let status = User.Status(rawValue: try row.decode(column: "status", as: String.self))
        else { throw StoredDataError("users row has a malformed id or status") }
        return User(
            id: id,
            email: try EmailAddress(row.decode(column: "email", as: String.self)),
            displayName: try DisplayName(row.decode(column: "display_name", as: String.self)),
            passwordHash: PasswordHash(try row.decode(column: "password_hash", as: String.self)),
            roles: try decodeRoles(row.decode(column: "roles", as: String.self)),
            status: status,
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self),
            version: try row.decode(column: "version", as: Int.self)
        )
    }
}

/// A stored row that the code cannot read back: a bug or a manual edit, never user input.
struct StoredDataError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
