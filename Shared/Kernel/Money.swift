/// An ISO 4217 currency code, with the number of minor-unit digits for the few common currencies that do not use
/// two (so that amounts can be shown; arithmetic never needs it).
public struct Currency: Sendable, Hashable, Codable, CustomStringConvertible {
    public let code: String

    /// `nil` unless `code` is three upper-case ASCII letters.
    public init?(_ code: String) {
        guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return nil }
        self.code = code
    }

    public var minorUnitDigits: Int {
        switch code {
        case "JPY", "KRW", "VND", "CLP", "ISK", "XAF", "XOF": 0
        case "BHD", "KWD", "OMR", "JOD", "TND": 3
        default: 2
        }
    }

    public var description: String { code }
}

/// An amount of money in integer minor units (cents) of one currency: never floating point, and arithmetic across
/// currencies is an error rather than a silent conversion.
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    public func adding(_ other: Money) throws(MoneyError) -> Money {
        guard other.currency == currency else { throw .currencyMismatch(currency, other.currency) }
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .overflow }
        return Money(minorUnits: sum, currency: currency)
    }

    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        guard other.currency == currency else { throw .currencyMismatch(currency, other.currency) }
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .overflow }
        return Money(minorUnits: difference, currency: currency)
    }

    public func multiplied(by factor: Int) throws(MoneyError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: Int64(factor))
        guard !overflow else { throw .overflow }
        return Money(minorUnits: product, currency: currency)
    }

    /// The sum of `amounts`, all in `currency`.
    public static func sum(_ amounts: some Sequence<Money>, in currency: Currency) throws(MoneyError) -> Money {
        var total = Money.zero(currency)
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    /// `12.50 EUR`, `1200 JPY`.
    public var description: String {
        let digits = currency.minorUnitDigits
        guard digits > 0 else { return "\(minorUnits) \(currency)" }
        var divisor: Int64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let sign = minorUnits < 0 ? "-" : ""
        let magnitude = minorUnits.magnitude
        let fraction = String(magnitude % UInt64(divisor))
        return "\(sign)\(magnitude / UInt64(divisor)).\(String(repeating: "0", count: digits - fraction.count))\(fraction) \(currency)"
    }
}

public enum MoneyError: Error, Equatable, Sendable {
    case currencyMismatch(Currency, Currency)
    case overflow
}
