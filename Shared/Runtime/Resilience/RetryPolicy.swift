import HTTPTypes

/// When and how soon a failed call is tried again: only when repeating it cannot do harm, with exponential
/// backoff and full jitter, and never beyond the call's deadline or the retry budget.
public struct RetryPolicy: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The connection failed before the request was sent: safe to retry any method.
        case connectionFailed
        /// The request may have reached the instance and failed (timeout, reset mid-response).
        case failedAfterSending
        case response(status: Int)
    }

    public var maximumAttempts: Int
    public var baseDelay: Duration
    public var maximumDelay: Duration

    public init(maximumAttempts: Int = 3, baseDelay: Duration = .milliseconds(25), maximumDelay: Duration = .seconds(1)) {
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    static let idempotentMethods: Set<HTTPRequest.Method> = [.get, .head, .put, .delete, .options, .trace]

    /// Whether attempt number `attempt` (1-based) that ended in `outcome` should be followed by another. A request
    /// is repeated after it may have arrived only when it is idempotent: by its method, unless the caller knows better
    /// (`idempotent`, for a POST that only reads, such as a batch look-up).
    public func shouldRetry(method: HTTPRequest.Method, outcome: Outcome, attempt: Int, idempotent: Bool? = nil) -> Bool {
        guard attempt < maximumAttempts else { return false }
        let repeatable = idempotent ?? Self.idempotentMethods.contains(method)
        switch outcome {
        case .connectionFailed:
            return true
        case .failedAfterSending:
            return repeatable
        case .response(let status):
            return repeatable && [502, 503, 504].contains(status)
        }
    }

    /// "Full jitter": a uniformly random wait between zero and the exponential bound for this attempt.
    public func delay(afterAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let bound = min(maximumDelay, baseDelay * (1 << exponent))
        let nanoseconds = bound.components.seconds * 1_000_000_000 + bound.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &random))
    }
}

/// Caps retries at a fraction of regular traffic (plus a small floor), so that retries cannot multiply load on
/// a struggling service: every request deposits `ratio` tokens, every retry withdraws one.
/// Tokens are counted in thousandths so that a hundred deposits of 0.1 make exactly ten.
public struct RetryBudget: Sendable, Equatable {
    public let ratio: Double
    public let minimumPerSecond: Double
    private let depositMillis: Int
    private var millis: Int
    private var lastRefill: ContinuousClock.Instant?

    public init(ratio: Double = 0.2, minimumPerSecond: Double = 10) {
        self.ratio = ratio
        self.minimumPerSecond = minimumPerSecond
        self.depositMillis = Int((ratio * 1000).rounded())
        self.millis = Int((minimumPerSecond * 1000).rounded())
    }

    public mutating func recordRequest(at now: ContinuousClock.Instant) {
        refill(now)
        millis = min(millis + depositMillis, capacityMillis)
    }

    /// Takes a token for one retry; `false` when the budget is spent.
    public mutating func tryRetry(at now: ContinuousClock.Instant) -> Bool {
        refill(now)
        guard millis >= 1000 else { return false }
        millis -= 1000
        return true
    }

    private var capacityMillis: Int { Int(max(minimumPerSecond * 10, 100) * 1000) }

    private mutating func refill(_ now: ContinuousClock.Instant) {
        if let lastRefill {
            let elapsed = now - lastRefill
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            millis = min(millis + Int(seconds * minimumPerSecond * 1000), capacityMillis)
        }
        lastRefill = now
    }
}
