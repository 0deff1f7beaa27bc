import Foundation

/// An opaque pagination cursor for keyset pagination: the id of the last item of the previous page.
/// Repositories compare against that row's stored sort key (`(sort_key, id) > (SELECT sort_key, id … WHERE id = ?)`),
/// so timestamps never make a lossy round trip through the client.
public struct KeysetCursor: Sendable, Equatable {
    public let lastID: String

    public init(lastID: String) { self.lastID = lastID }

    public var encoded: String {
        Data("v1:\(lastID)".utf8).base64URLEncodedString()
    }

    /// `nil` when the text is not a cursor this type produced.
    public init?(encoded: String) {
        guard encoded.count <= 512 else { return nil }
        guard let data = Data(base64URLEncoded: encoded), let text = String(data: data, encoding: .utf8),
              text.hasPrefix("v1:"), text.count > 3
        else { return nil }
        self.init(lastID: String(text.dropFirst(3)))
    }
}
