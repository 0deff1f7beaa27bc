import CartDomain
import Foundation
import TradewindKernel

public struct ExpireCarts: Sendable {
    let access: CartAccess

    public init(access: CartAccess) { self.access = access }

    /// Deletes carts nobody touched within their lifetime; returns how many.
    public func execute() async throws -> Int {
        try await access.carts.deleteInactive(since: access.clock.now().addingTimeInterval(-access.lifetime))
    }
}
