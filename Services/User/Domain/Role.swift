public enum Role: String, CaseIterable, Codable, Hashable, Sendable, Comparable {
    case customer
    case admin
    /// Port staff who register cargo handling events.
    case `operator`
    /// Machine clients that call other services.
    case service

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses role names, refusing unknown ones and an empty set.
    public static func parse(_ names: [String]) throws(UserError) -> Set<Role> {
        guard !names.isEmpty else { throw .invalidRoles("roles must not be empty") }
        var roles = Set<Role>()
        for name in names {
            guard let role = Role(rawValue: name) else {
                let known = Role.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidRoles("unknown role '\(name.prefix(40))'; known roles: \(known)")
            }
            roles.insert(role)
        }
        return roles
    }
}
