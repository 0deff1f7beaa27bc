import Foundation
import StorefrontApplication
import StorefrontDomain
import Synchronization
import Testing

@Suite struct TokenRenewalTests {
    /// Counts refreshes, and fails a refresh token presented twice, as the user context revokes the sign-in then.
    final class CountingAccounts: Accounts {
        let used = Mutex<[String]>([])
        func register(email: String, displayName: String, password: String) async throws {}
        func signIn(email: String, password: String) async throws -> AccountTokens { throw StorefrontError.signInRefused }
        func refresh(_ refreshToken: String) async throws -> AccountTokens {
            try await Task.sleep(for: .milliseconds(50))
            let reused = used.withLock { used in
                defer { used.append(refreshToken) }
                return used.contains(refreshToken)
            }
            if reused { throw StorefrontError.signedOut }
            return AccountTokens(accessToken: "new", accessExpiresAt: Date().addingTimeInterval(900), refreshToken: "\(refreshToken)+1")
        }
        func revoke(_ refreshToken: String) async throws {}
        func profile(accessToken: String) async throws -> AccountProfile { AccountProfile(displayName: "", roles: []) }
    }

    @Test func requestsRenewingTheSameTokenAtOnceShareOneRefresh() async throws {
        let accounts = CountingAccounts()
        let renewal = TokenRenewal(accounts: accounts)
        let tokens = try await withThrowingTaskGroup(of: AccountTokens.self) { group in
            for _ in 0..<8 { group.addTask { try await renewal.renew("r1") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(tokens.map(\.refreshToken)) == ["r1+1"])
        #expect(accounts.used.withLock { $0 } == ["r1"], "one refresh for eight requests")
        // A request that loaded the session before the renewal was saved still gets the new tokens.
        #expect(try await renewal.renew("r1").refreshToken == "r1+1")
        #expect(accounts.used.withLock { $0 }.count == 1)
    }
}
