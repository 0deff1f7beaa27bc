import Foundation
import TradewindKernel

public struct ProductID: EntityIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

public struct CategoryID: EntityIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// The order a reservation holds stock for; orders belong to another context, so this is only its id.
public struct OrderReference: EntityIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// A stock-keeping unit: `A-Z`, `0-9` and `-`, 2 to 40 characters, starting with a letter or digit.
public struct SKU: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) throws(ProductError) {
        let bytes = value.utf8
        guard (2...40).contains(bytes.count),
              bytes.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }),
              bytes.first != 0x2D
        else { throw .invalid(field: "sku", reason: "must be 2 to 40 characters of A-Z, 0-9 and '-', not starting with '-'") }
        self.value = value
    }

    public var description: String { value }
    public static func < (lhs: SKU, rhs: SKU) -> Bool { lhs.value < rhs.value }
}

/// A URL-safe category name: lower-case words of a-z and 0-9 joined by single hyphens, at most 64 characters.
public struct Slug: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) throws(ProductError) {
        let words = value.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...64).contains(value.utf8.count),
              words.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) } })
        else { throw .invalid(field: "slug", reason: "must be lower-case words of a-z and 0-9 joined by single hyphens, at most 64 characters") }
        self.value = value
    }

    public var description: String { value }
}
