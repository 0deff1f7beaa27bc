import Foundation
import StorefrontDomain
import TradewindKernel

/// Signing up, in and out, and keeping a signed-in shopper's access token fresh. Each use case takes the session
/// as it was loaded and answers it as it should be saved.
public struct ShopperAccount: Sendable {
    let accounts: any Accounts
    let carts: any Carts
    let renewal: TokenRenewal
    let clock: any WallClock

    public init(accounts: any Accounts, carts: any Carts, clock: any WallClock) {
        self.accounts = accounts
        self.carts = carts
        self.renewal = TokenRenewal(accounts: accounts)
        self.clock = clock
    }

    /// What signing in did besides: a guest cart that could not be merged is said, not fatal.
    public struct SignedIn: Sendable {
        public let session: ShopperSession
        public let cartNotice: String?
    }

    public func signUp(email: String, displayName: String, password: String, session: ShopperSession) async throws -> SignedIn {
        try await accounts.register(email: email, displayName: displayName, password: password)
        return try await signIn(email: email, password: password, session: session)
    }

    /// Signs in and moves the guest cart's lines into the customer's cart.
    public func signIn(email: String, password: String, session: ShopperSession) async throws -> SignedIn {
        let tokens = try await accounts.signIn(email: email, password: password)
        let profile = (try? await accounts.profile(accessToken: tokens.accessToken)) ?? AccountProfile(displayName: email, roles: ["customer"])
        var session = session
        session.account = SignedInAccount(displayName: profile.displayName, roles: profile.roles, tokens: tokens)
        var notice: String?
        if let guest = session.guestCartToken {
            do {
                try await carts.merge(guestCartToken: guest, into: tokens.accessToken)
                session.guestCartToken = nil
            } catch StorefrontError.refused(_, let detail) {
                // The cart context will not take these lines (another currency, too many lines): they stay behind.
                session.guestCartToken = nil
                notice = "Your guest cart could not be added to your cart: \(detail)"
            } catch {
                // Kept: the next sign-in tries again.
                notice = "Your guest cart could not be added to your cart just now; sign in again later to add it."
            }
        }
        return SignedIn(session: session, cartNotice: notice)
    }

    public func signOut(session: ShopperSession) async -> ShopperSession {
        if let refresh = session.account?.tokens.refreshToken { try? await accounts.revoke(refresh) }
        var session = session
        session.account = nil
        return session
    }

    /// The session with an access token good for a call starting now, renewed if it is about to expire; without
    /// an account when the sign-in has ended.
    public func current(_ session: ShopperSession) async throws -> ShopperSession {
        guard var account = session.account, account.tokens.needsRefresh(at: clock.now()) else { return session }
        var session = session
        guard let refresh = account.tokens.refreshToken else {
            session.account = nil
            return session
        }
        do {
            account.tokens = try await renewal.renew(refresh)
            session.account = account
        } catch StorefrontError.signedOut {
            session.account = nil
        }
        return session
    }
}

/// Renews access tokens once per refresh token, however many requests of one browser ask at the same moment: the
/// user context revokes every token of a sign-in when a used refresh token comes again. A renewal's answer is
/// kept for a minute, for a request that loaded the session before the renewal was saved.
public actor TokenRenewal {
    let accounts: any Accounts
    private var inFlight: [String: Task<AccountTokens, any Error>] = [:]
    private var recent: [String: (tokens: AccountTokens, at: ContinuousClock.Instant)] = [:]

    public init(accounts: any Accounts) { self.accounts = accounts }

    public func renew(_ refreshToken: String) async throws -> AccountTokens {
        let now = ContinuousClock.now
        recent = recent.filter { now - $0.value.at < .seconds(60) }
        if let done = recent[refreshToken] { return done.tokens }
        if let running = inFlight[refreshToken] { return try await running.value }
        let task = Task { [accounts] in try await accounts.refresh(refreshToken) }
        inFlight[refreshToken] = task
        defer { inFlight[refreshToken] = nil }
        let tokens = try await task.value
        recent[refreshToken] = (tokens, .now)
        return tokens
    }
}
