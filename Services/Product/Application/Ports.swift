import Foundation
import TradewindKernel

/// Who is calling, as the interface verified it.
public struct Caller: Sendable, Equatable {
    public let subject: String?
    public let roles: Set<String>

    public init(subject: String?, roles: Set<String>) {
        self.subject = subject
        self.roles = roles
    }

    public static let anonymous = Caller(subject: nil, roles: [])
    public var isAdmin: Bool { roles.contains("admin") }
}
