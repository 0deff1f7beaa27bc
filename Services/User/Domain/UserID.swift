import Foundation
import TradewindKernel

public struct UserID: EntityIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}
