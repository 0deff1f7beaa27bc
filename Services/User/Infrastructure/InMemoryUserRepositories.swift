import Foundation
import Synchronization
import TradewindKernel
import UserDomain

/// Process-local repositories with the same contracts as the SQL ones, for application tests and demos.
public final class InMemoryUserRepository: UserRepository {
    private let users = Mutex<[UserID: User]>([:])

    public init() {}

    public func add(_ user: User) async throws {
        try users.withLock { users throws(UserError) in
            guard !users.values.contains(where: { $0.email == user.email }) else { throw .emailAlreadyRegistered }
            var stored = user
            stored.clearEvents()
            users[user.id] = stored
        }
    }

    public func save(_ user: User) async throws {
        try users.withLock { users throws(UserError) in
            guard let existing = users[user.id] else { throw .userNotFound }
            guard existing.version == user.version else { throw .concurrentUpdate }
            if users.values.contains(where: { $0.email == user.email && $0.id != user.id }) { throw .emailAlreadyRegistered }
            users[user.id] = User(
                id: user.id, email: user.email, displayName: user.displayName, passwordHash: user.passwordHash,
                roles: user.roles, status: user.status, createdAt: user.createdAt, updatedAt: user.updatedAt, version: user.version + 1
            )
        }
    }

    public func user(withID id: UserID) async throws -> User? { users.withLock { $0[id] } }

    public func user(withEmail email: EmailAddress) async throws -> User? {
        users.withLock { $0.values.first { $0.email == email } }
    }

    public func list(_ request: PageRequest) async throws -> Page<User> {
        let sorted = users.withLock { Array($0.values) }.sorted {
            ($0.createdAt, $0.id.description) < ($1.createdAt, $1.id.description)
        }
        var remaining = sorted[...]
        if let encoded = request.cursor {
            guard let cursor = KeysetCursor(encoded: encoded), UserID(cursor.lastID) != nil else { throw UserError.invalidCursor }
            let last = sorted.first { $0.id.description == cursor.lastID }
            remaining = sorted.drop { user in last.map { (user.createdAt, user.id.description) <= ($0.createdAt, $0.id.description) } ?? true }
        }
        let page = Array(remaining.prefix(request.limit))
        let next = remaining.count > request.limit ? page.last.map { KeysetCursor(lastID: $0.id.description).encoded } : nil
        return Page(items: page, nextCursor: next)
    }
}

public final class InMemoryRefreshTokenRepository: RefreshTokenRepository {
    private let tokens = Mutex<[UUID: RefreshToken]>([:])

    public init() {}

    public func add(_ token: RefreshToken) async throws { tokens.withLock { $0[token.id] = token } }

    public func token(withHash hash: String) async throws -> RefreshToken? {
        tokens.withLock { $0.values.first { $0.tokenHash == hash } }
    }

    public func markRotated(_ id: UUID, at date: Date) async throws -> Bool {
        tokens.withLock { tokens in
            guard let token = tokens[id], token.rotatedAt == nil, token.revokedAt == nil else { return false }
            tokens[id] = token.with(rotatedAt: date)
            return true
        }
    }

    public func revokeFamily(_ familyID: UUID, at date: Date) async throws {
        tokens.withLock { tokens in
            for (id, token) in tokens where token.familyID == familyID && token.revokedAt == nil {
                tokens[id] = token.with(revokedAt: date)
            }
        }
    }

    public func revokeAll(of userID: UserID, at date: Date) async throws {
        tokens.withLock { tokens in
            for (id, token) in tokens where token.userID == userID && token.revokedAt == nil {
                tokens[id] = token.with(revokedAt: date)
            }
        }
    }
}

public final class InMemoryMachineClientRepository: MachineClientRepository {
    private let clients = Mutex<[String: MachineClient]>([:])

    public init() {}

    public func client(withID clientID: String) async throws -> MachineClient? { clients.withLock { $0[clientID] } }

    public func upsert(_ client: MachineClient) async throws { clients.withLock { $0[client.clientID] = client } }
}

/// Sign-in attempts of one process, for tests and in-memory runs; replicas need ``SQLSignInAttemptLog``.
public final class InMemorySignInAttemptLog: SignInAttemptLog {
    private let rows = Mutex<[(id: String, key: String, at: Date)]>([])

    public init() {}

    public func record(_ attempt: SignInAttempt, keys: [String], window: TimeInterval) async throws -> [String: SignInAttemptCount] {
        let since = attempt.at.addingTimeInterval(-window)
        return rows.withLock { rows in
            rows.append(contentsOf: keys.map { (attempt.id, $0, attempt.at) })
            rows.removeAll { $0.at <= since }
            var counts: [String: SignInAttemptCount] = [:]
            for key in keys {
                let times = rows.filter { $0.key == key }.map(\.at)
                if let oldest = times.min() { counts[key] = SignInAttemptCount(attempts: times.count, oldest: oldest) }
            }
            return counts
        }
    }

    public func forget(_ attempt: SignInAttempt, keys: [String]) async throws {
        rows.withLock { $0.removeAll { $0.id == attempt.id && keys.contains($0.key) } }
    }

    public func forgetAll(key: String) async throws {
        rows.withLock { $0.removeAll { $0.key == key } }
    }
}

extension RefreshToken {
    fileprivate func with(rotatedAt: Date? = nil, revokedAt: Date? = nil) -> RefreshToken {
        RefreshToken(
            id: id, familyID: familyID, userID: userID, tokenHash: tokenHash, issuedAt: issuedAt, expiresAt: expiresAt,
            rotatedAt: rotatedAt ?? self.rotatedAt, revokedAt: revokedAt ?? self.revokedAt
        )
    }
}
