import TradewindKernel
import UserContracts
import UserDomain

extension Components.Schemas.User {
    init(_ user: User) {
        self.init(
            id: user.id.description,
            email: user.email.value,
            displayName: user.displayName.value,
            roles: user.roles.sorted().compactMap { Components.Schemas.Role(rawValue: $0.rawValue) },
            status: user.status == .active ? .active : .locked,
            createdAt: user.createdAt,
            updatedAt: user.updatedAt
        )
    }
}
