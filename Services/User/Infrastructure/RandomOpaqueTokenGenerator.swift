import Crypto
import Foundation
import TradewindKernel
import UserApplication
import UserDomain

/// 256-bit random tokens, base64url; stored as their SHA-256 (a fast hash is right here: the tokens have
/// full entropy, unlike passwords).
public struct RandomOpaqueTokenGenerator: OpaqueTokenGenerator {
    public init() {}

    public func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64URLEncodedString()
    }

    public func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexDigits
    }
}
