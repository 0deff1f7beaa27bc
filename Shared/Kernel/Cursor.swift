import Foundation

/// An opaque pagination cursor for keyset pagination over `(sortKey, id)`.
/// Encoded as base64url of `sortKey|id` so that clients treat it as a token, not as data.
public struct KeysetCursor: Sendable, Equatable {
    public let sortKey: String
    public let id: String

    public init(sortKey: String, id: String) {
        self.sortKey = sortKey
        self.id = id
    }

    public var encoded: String {
        Data("\(sortKey)|\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// `nil` when the text is not a cursor this type produced.
    public init?(encoded: String) {
        guard encoded.count <= 512 else { return nil }
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              let separator = text.lastIndex(of: "|")
        else { return nil }
        let sortKey = String(text[..<separator]), id = String(text[text.index(after: separator)...])
        guard !sortKey.isEmpty, !id.isEmpty else { return nil }
        self.init(sortKey: sortKey, id: id)
    }
}
