import Foundation
import OpenAPIRuntime

extension Configuration {
    /// How every service's generated server writes JSON: compact with sorted keys (stable bytes), and dates
    /// formatted by Foundation's Swift ISO 8601 style instead of the ICU-backed `ISO8601DateFormatter`, which took
    /// about a tenth of a catalog page's time.
    public static let tradewind = Configuration(dateTranscoder: ISO8601StyleDateTranscoder(), jsonEncodingOptions: [.sortedKeys])
}

/// RFC 3339 timestamps in UTC without fractional seconds (`2026-11-23T13:39:19Z`), the same text the runtime's
/// default transcoder writes and reads.
public struct ISO8601StyleDateTranscoder: DateTranscoder {
    public init() {}

    public func encode(_ date: Date) throws -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    public func decode(_ text: String) throws -> Date {
        guard let date = try? Date.ISO8601FormatStyle().parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "expected an RFC 3339 date-time such as 2026-11-23T13:39:19Z, got '\(text.prefix(40))'"))
        }
        return date
    }
}
