import CartApplication
import CartDomain
import Crypto
import Foundation
import TradewindKernel

/// 256-bit random guest tokens, base64url; stored as their SHA-256, so a leaked table does not open carts.
public struct RandomCartTokens: CartTokens {
    public init() {}

    public func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64URLEncodedString()
    }

    public func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexDigits
    }
}
