import Foundation
import TradewindKernel
import UserDomain

/// Slows down password guessing: an account, or a client address, gets a few attempts within a window and is then
/// refused until the oldest drops out. Attempts are counted in a ``SignInAttemptLog`` every replica shares, under
/// the account's normalised e-mail (so `" Ann@x.com"` and `"ann@x.com\t"` are the same account), and each attempt
/// is written before it is counted: a burst of parallel guesses gets no more tries than a patient one.
public struct LoginThrottle: Sendable {
    public struct Policy: Sendable {
        public var attemptsPerAccount: Int
        public var attemptsPerAddress: Int
        public var window: TimeInterval

        public init(attemptsPerAccount: Int = 5, attemptsPerAddress: Int = 20, window: TimeInterval = 900) {
            self.attemptsPerAccount = attemptsPerAccount
            self.attemptsPerAddress = attemptsPerAddress
            self.window = window
        }
    }

    /// An admitted attempt, counted as a failure until ``LoginThrottle/succeeded(_:)`` says otherwise.
    public struct Ticket: Sendable {
        let attempt: SignInAttempt
        let accountKey: String
        let addressKey: String?
    }

    private let policy: Policy
    private let attempts: any SignInAttemptLog
    private let clock: any WallClock
    private let ids: any IdentifierGenerator

    public init(policy: Policy = Policy(), attempts: any SignInAttemptLog, clock: any WallClock, ids: any IdentifierGenerator) {
        self.policy = policy
        self.attempts = attempts
        self.clock = clock
        self.ids = ids
    }

    /// The key an account is throttled under: its e-mail as the account lookup normalises it.
    public static func accountKey(_ rawEmail: String) -> String {
        if let email = try? EmailAddress(rawEmail) { return "account:\(email.value)" }
        return "account:\(rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())"
    }

    /// Records the attempt, or throws ``UserError/tooManyAttempts(retryAfterSeconds:)`` (recording nothing) when
    /// the account or the address has used its attempts.
    public func admit(email rawEmail: String, address: String?) async throws -> Ticket {
        let ticket = Ticket(
            attempt: SignInAttempt(id: ids.makeUUID().lowercasedString, at: clock.now()),
            accountKey: Self.accountKey(rawEmail), addressKey: address.map { "address:\($0)" }
        )
        let keys = [ticket.accountKey] + (ticket.addressKey.map { [$0] } ?? [])
        let counts = try await attempts.record(ticket.attempt, keys: keys, window: policy.window)
        var waits: [TimeInterval] = []
        if let account = counts[ticket.accountKey], account.attempts > policy.attemptsPerAccount {
            waits.append(policy.window - ticket.attempt.at.timeIntervalSince(account.oldest))
        }
        if let addressKey = ticket.addressKey, let address = counts[addressKey], address.attempts > policy.attemptsPerAddress {
            waits.append(policy.window - ticket.attempt.at.timeIntervalSince(address.oldest))
        }
        if let longest = waits.max() {
            // A refused attempt checks no password, so it does not count: hammering does not extend the wait.
            try await attempts.forget(ticket.attempt, keys: keys)
            throw UserError.tooManyAttempts(retryAfterSeconds: max(1, Int(longest.rounded(.up))))
        }
        return ticket
    }

    /// A correct password: the account's failures are forgiven and this attempt does not count for the address.
    public func succeeded(_ ticket: Ticket) async throws {
        try await attempts.forgetAll(key: ticket.accountKey)
        if let addressKey = ticket.addressKey { try await attempts.forget(ticket.attempt, keys: [addressKey]) }
    }
}
