import Foundation

/// A person or operator who can sign in. Changes go through the mutating methods, which keep the invariants
/// (at least one role, a locked account cannot sign in) and record what happened in ``events``.
public struct User: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case active
        case locked
    }

    public let id: UserID
    public private(set) var email: EmailAddress
    public private(set) var displayName: DisplayName
    public private(set) var passwordHash: PasswordHash
    public private(set) var roles: Set<Role>
    public private(set) var status: Status
    public let createdAt: Date
    public private(set) var updatedAt: Date
    /// The stored version this value was loaded at; a save succeeds only if it is still the stored one.
    public let version: Int
    /// Domain events recorded since the aggregate was loaded.
    public private(set) var events: [UserEvent] = []

    /// Rebuilds a stored user; records no event.
    public init(
        id: UserID, email: EmailAddress, displayName: DisplayName, passwordHash: PasswordHash, roles: Set<Role>,
        status: Status, createdAt: Date, updatedAt: Date, version: Int
    ) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.roles = roles
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// A new account. Self-registration always yields a customer; other roles are granted by an admin.
    public static func register(
        id: UserID, email: EmailAddress, displayName: DisplayName, passwordHash: PasswordHash,
        roles: Set<Role> = [.customer], at now: Date
    ) throws(UserError) -> User {
        guard !roles.isEmpty else { throw .invalidRoles("roles must not be empty") }
        var user = User(
            id: id, email: email, displayName: displayName, passwordHash: passwordHash, roles: roles,
            status: .active, createdAt: now, updatedAt: now, version: 1
        )
        user.events.append(.registered(id, email: email, at: now))
        return user
    }

    public var isLocked: Bool { status == .locked }

    public func ensureCanSignIn() throws(UserError) {
        if isLocked { throw .accountLocked }
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }

    public mutating func rename(to name: DisplayName, at now: Date) {
        guard name != displayName else { return }
        displayName = name
        touch(now)
        events.append(.profileUpdated(id, at: now))
    }

    public mutating func changePassword(to hash: PasswordHash, at now: Date) {
        passwordHash = hash
        touch(now)
        events.append(.passwordChanged(id, at: now))
    }

    public mutating func assignRoles(_ newRoles: Set<Role>, at now: Date) throws(UserError) {
        guard !newRoles.isEmpty else { throw .invalidRoles("roles must not be empty") }
        guard newRoles != roles else { return }
        roles = newRoles
        touch(now)
        events.append(.rolesChanged(id, roles: newRoles.sorted(), at: now))
    }

    public mutating func lock(at now: Date) {
        guard status != .locked else { return }
        status = .locked
        touch(now)
        events.append(.locked(id, at: now))
    }

    public mutating func unlock(at now: Date) {
        guard status != .active else { return }
        status = .active
        touch(now)
        events.append(.unlocked(id, at: now))
    }

    /// Called by a repository once the events have been handed on.
    public mutating func clearEvents() { events.removeAll() }

    private mutating func touch(_ now: Date) {
        updatedAt = now
    }
}

public enum UserEvent: Sendable, Equatable {
    case registered(UserID, email: EmailAddress, at: Date)
    case profileUpdated(UserID, at: Date)
    case passwordChanged(UserID, at: Date)
    case rolesChanged(UserID, roles: [Role], at: Date)
    case locked(UserID, at: Date)
    case unlocked(UserID, at: Date)
}
