import Foundation
import TradewindKernel

/// The identity of a cargo: 8 upper-case hexadecimal characters.
public struct TrackingID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: String

    /// `nil` unless `text` is 8 hexadecimal characters; lower case is accepted and stored upper-case.
    public init?(_ text: String) {
        let upper = text.uppercased()
        guard upper.utf8.count == 8, upper.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) }) else { return nil }
        value = upper
    }

    /// A new identity from the generator's next UUID.
    public static func next(from ids: any IdentifierGenerator) -> TrackingID {
        TrackingID(String(ids.makeUUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8)))!
    }

    public var description: String { value }
    public static func < (lhs: TrackingID, rhs: TrackingID) -> Bool { lhs.value < rhs.value }
}

/// A UN/LOCODE: two letters for the country and three letters or digits 2–9 for the place (`SESTO`, `USNYC`).
public struct UnLocode: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: String

    public init?(_ text: String) {
        let upper = text.uppercased()
        let bytes = Array(upper.utf8)
        let isLetter = { (byte: UInt8) in byte >= 0x41 && byte <= 0x5A }
        guard bytes.count == 5, isLetter(bytes[0]), isLetter(bytes[1]),
              bytes[2...].allSatisfy({ isLetter($0) || ($0 >= 0x32 && $0 <= 0x39) })
        else { return nil }
        value = upper
    }

    public var description: String { value }
    public static func < (lhs: UnLocode, rhs: UnLocode) -> Bool { lhs.value < rhs.value }
}

/// A voyage's number: 1 to 20 letters and digits (`0100S`, `V100`).
public struct VoyageNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: String

    public init?(_ text: String) {
        let upper = text.uppercased()
        guard (1...20).contains(upper.utf8.count),
              upper.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) })
        else { return nil }
        value = upper
    }

    public var description: String { value }
    public static func < (lhs: VoyageNumber, rhs: VoyageNumber) -> Bool { lhs.value < rhs.value }
}

public struct Location: Sendable, Hashable {
    public let unLocode: UnLocode
    public let name: String

    public init(unLocode: UnLocode, name: String) {
        self.unLocode = unLocode
        self.name = name
    }
}
