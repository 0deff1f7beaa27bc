import Foundation

/// Consul's (Go's) duration strings: "10s", "1m", "500ms", "1m30s", "2h", "1.5s", "250us".
enum ConsulDuration {
    static func parse(_ text: String) -> Duration? {
        guard !text.isEmpty, text.utf8.count <= 32 else { return nil }
        if text == "0" { return .zero }
        var total: Duration = .zero
        var number = ""
        var unit = ""
        func flush() -> Bool {
            guard let value = Double(number), value >= 0 else { return false }
            let nanoseconds: Double
            switch unit {
            case "ns": nanoseconds = 1
            case "us", "µs": nanoseconds = 1_000
            case "ms": nanoseconds = 1_000_000
            case "s": nanoseconds = 1_000_000_000
            case "m": nanoseconds = 60_000_000_000
            case "h": nanoseconds = 3_600_000_000_000
            default: return false
            }
            total += .nanoseconds(Int64((value * nanoseconds).rounded()))
            number = ""
            unit = ""
            return true
        }
        for character in text {
            if character.isASCII, character.isNumber || character == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(character)
            } else if character.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard flush() else { return nil }
        return total
    }

    /// The Go spelling, as Consul shows intervals: "10s", "1m0s", "500ms".
    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000, rest = milliseconds % 1000
        let secondsText = rest == 0 ? "\(seconds % 60)s" : "\(seconds % 60).\(String(format: "%03d", rest).replacingOccurrences(of: "0+$", with: "", options: .regularExpression))s"
        if seconds < 60 { return secondsText }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes)m\(secondsText)" }
        return "\(minutes / 60)h\(minutes % 60)m\(secondsText)"
    }
}
