import Synchronization

/// A token bucket: `capacity` requests at once, refilled at `ratePerSecond`. A value type with no clock of its
/// own; the caller passes the instant, so tests are exact.
public struct TokenBucket: Sendable, Equatable {
    public struct Limit: Sendable, Equatable {
        public var ratePerSecond: Double
        public var capacity: Int

        public init(ratePerSecond: Double, capacity: Int) {
            precondition(ratePerSecond > 0 && capacity >= 1, "a limit needs a positive rate and capacity")
            self.ratePerSecond = ratePerSecond
            self.capacity = capacity
        }
    }

    /// What the `RateLimit-*` headers (IETF draft) and `Retry-After` report.
    public struct Decision: Sendable, Equatable {
        public let allowed: Bool
        public let remaining: Int
        /// Seconds until the bucket is full again.
        public let resetSeconds: Int
        /// Seconds until one more request is allowed; 0 when allowed.
        public let retryAfterSeconds: Int
    }

    public let limit: Limit
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    public init(limit: Limit, now: ContinuousClock.Instant) {
        self.limit = limit
        self.tokens = Double(limit.capacity)
        self.updated = now
    }

    public mutating func take(at now: ContinuousClock.Instant) -> Decision {
        refill(now)
        let allowed = tokens >= 1
        if allowed { tokens -= 1 }
        let missing = Double(limit.capacity) - tokens
        return Decision(
            allowed: allowed,
            remaining: Int(tokens.rounded(.down)),
            resetSeconds: Int((missing / limit.ratePerSecond).rounded(.up)),
            retryAfterSeconds: allowed ? 0 : max(1, Int(((1 - tokens) / limit.ratePerSecond).rounded(.up)))
        )
    }

    /// Whether the bucket has refilled completely, so that forgetting it changes nothing.
    public func isFull(at now: ContinuousClock.Instant) -> Bool {
        var copy = self
        copy.refill(now)
        return copy.tokens >= Double(limit.capacity)
    }

    private mutating func refill(_ now: ContinuousClock.Instant) {
        guard now > updated else { return }
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(Double(limit.capacity), tokens + seconds * limit.ratePerSecond)
        updated = now
    }
}

/// Token buckets by key (a token's subject or a client address), with memory bounded under key floods:
/// when `maximumKeys` is reached, buckets that have refilled completely are dropped first. A bucket is updated in
/// place, and the sweep for full buckets runs at most once a second, so a request costs the same with ten keys as
/// with a hundred thousand.
public struct KeyedRateLimiter: Sendable {
    public let limit: TokenBucket.Limit
    public let maximumKeys: Int
    private var buckets: [String: TokenBucket] = [:]
    private var lastSweep: ContinuousClock.Instant?

    public init(limit: TokenBucket.Limit, maximumKeys: Int = 100_000) {
        self.limit = limit
        self.maximumKeys = maximumKeys
    }

    public var trackedKeys: Int { buckets.count }

    public mutating func take(_ key: String, at now: ContinuousClock.Instant) -> TokenBucket.Decision {
        if buckets.count >= maximumKeys, buckets[key] == nil {
            if lastSweep.map({ now - $0 >= .seconds(1) }) ?? true {
                lastSweep = now
                buckets = buckets.filter { !$0.value.isFull(at: now) }
            }
            // Still full of active keys: refuse the newcomer rather than grow without bound.
            if buckets.count >= maximumKeys {
                return TokenBucket.Decision(allowed: false, remaining: 0, resetSeconds: 1, retryAfterSeconds: 1)
            }
        }
        let limit = self.limit
        return buckets[key, default: TokenBucket(limit: limit, now: now)].take(at: now)
    }
}

/// A ``KeyedRateLimiter`` split into shards by key, each behind its own lock, for limiters that every request of a
/// busy process goes through: requests for different keys rarely wait for each other, and no request copies the
/// table.
public final class ShardedRateLimiter: Sendable {
    final class Shard: Sendable {
        let limiter: Mutex<KeyedRateLimiter>
        init(_ limiter: KeyedRateLimiter) { self.limiter = Mutex(limiter) }
    }

    public let limit: TokenBucket.Limit
    private let shards: [Shard]

    /// `maximumKeys` in all, spread evenly over `shards` shards.
    public init(limit: TokenBucket.Limit, maximumKeys: Int = 100_000, shards: Int = 64) {
        precondition(shards >= 1 && maximumKeys >= shards, "a limiter needs at least one key per shard")
        self.limit = limit
        self.shards = (0..<shards).map { _ in Shard(KeyedRateLimiter(limit: limit, maximumKeys: maximumKeys / shards)) }
    }

    public func take(_ key: String, at now: ContinuousClock.Instant = .now) -> TokenBucket.Decision {
        let shard = shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
        return shard.limiter.withLock { $0.take(key, at: now) }
    }

    public var trackedKeys: Int { shards.reduce(0) { total, shard in total + shard.limiter.withLock { $0.trackedKeys } } }
}
