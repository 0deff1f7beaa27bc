import CartDomain
import Foundation
import TradewindKernel

public struct ViewCart: Sendable {
    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    public func execute(_ owner: CartOwner) async throws -> CartView {
        try await access.view(try await access.load(owner))
    }
}
