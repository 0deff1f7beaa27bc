/// Picks the instance for the next call among the healthy ones, skipping those already tried for this call.
public enum LoadBalancing: String, Sendable, CaseIterable {
    case roundRobin = "round-robin"
    /// Power of two choices: of two random candidates, the one with fewer requests in flight.
    case leastOutstanding = "least-outstanding"
}

public struct LoadBalancer: Sendable {
    public let strategy: LoadBalancing
    private var cursor = 0

    public init(strategy: LoadBalancing) { self.strategy = strategy }

    /// `outstanding` gives each instance id's requests in flight. `nil` when every candidate was excluded.
    public mutating func pick(
        from instances: [String], excluding tried: Set<String> = [], outstanding: (String) -> Int = { _ in 0 },
        using random: inout some RandomNumberGenerator
    ) -> String? {
        let candidates = instances.filter { !tried.contains($0) }
        guard !candidates.isEmpty else { return nil }
        switch strategy {
        case .roundRobin:
            defer { cursor &+= 1 }
            return candidates[Int(UInt(bitPattern: cursor) % UInt(candidates.count))]
        case .leastOutstanding:
            guard candidates.count > 1 else { return candidates[0] }
            let first = Int.random(in: 0..<candidates.count, using: &random)
            var second = Int.random(in: 0..<(candidates.count - 1), using: &random)
            if second >= first { second += 1 }
            let a = candidates[first], b = candidates[second]
            return outstanding(b) < outstanding(a) ? b : a
        }
    }
}
