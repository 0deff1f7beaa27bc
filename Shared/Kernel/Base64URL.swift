import Foundation

/// Base64url without padding (RFC 4648 section 5), as used by JWTs, JWKs and opaque tokens. Both directions map
/// the two characters that differ from base64 byte by byte: Foundation's `replacingOccurrences` cost more than the
/// decoding itself, and a gateway decodes a token's header on every request with a token it has not seen.
extension Data {
    public func base64URLEncodedString() -> String {
        var bytes = Array(base64EncodedData())
        while bytes.last == UInt8(ascii: "=") { bytes.removeLast() }
        for index in bytes.indices {
            switch bytes[index] {
            case UInt8(ascii: "+"): bytes[index] = UInt8(ascii: "-")
            case UInt8(ascii: "/"): bytes[index] = UInt8(ascii: "_")
            default: break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `nil` for anything but the base64url alphabet without padding: `+`, `/` and `=` are refused, as is a length
    /// no encoding has.
    public init?(base64URLEncoded text: some StringProtocol) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"): bytes.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): bytes.append(UInt8(ascii: "/"))
            case UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="): return nil
            default: bytes.append(byte)
            }
        }
        guard bytes.count % 4 != 1 else { return nil }
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (4 - bytes.count % 4) % 4))
        self.init(base64Encoded: Data(bytes))
    }
}
