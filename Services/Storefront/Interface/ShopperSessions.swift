import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import StorefrontDomain

/// The shopper's session on the server (hummingbird-auth's `SessionStorage`), found by an HttpOnly, SameSite=Lax
/// cookie, `Secure` when the shop is served over TLS. A session is begun only when a page shows a form or the
/// shopper changes something; every form carries the session's token, which a change must bring back.
public struct ShopperSessions: Sendable {
    public static let cookieName = "tradewind_session"
    /// How long a session lasts from its start, in the cookie and on the server; every change renews the server's.
    public static let lifetime: Duration = .seconds(12 * 3600)

    let storage: SessionStorage<ShopperSession>
    let logger: Logger

    public init(driver: any PersistDriver, secureCookies: Bool, logger: Logger) {
        storage = SessionStorage(driver, configuration: .init(
            sessionCookieParameters: .init(name: Self.cookieName, path: "/", secure: secureCookies, sameSite: .lax), keyPrefix: "shopper."
        ))
        self.logger = logger
    }

    /// The session the request's cookie names, if it is still there. A store that cannot be read counts as no
    /// session for reading pages; changes fail on the missing form token instead of guessing.
    func load(_ request: Request) async -> ShopperSession? {
        guard storage.getId(request: request) != nil else { return nil }
        do {
            return try await storage.load(request: request)
        } catch {
            logger.warning("shopper session could not be read", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The request's session, or a new one with the cookie that names it.
    func loadOrBegin(_ request: Request) async throws -> (session: ShopperSession, cookie: Cookie?) {
        if let session = await load(request) { return (session, nil) }
        let session = ShopperSession(formToken: Self.newFormToken())
        return (session, try await storage.save(session: session, expiresIn: Self.lifetime))
    }

    func save(_ session: ShopperSession, for request: Request) async throws {
        try await storage.update(session: session, expiresIn: Self.lifetime, request: request)
    }

    /// Saves `session` under a new id and a new form token, and removes the old one: signing in or out never keeps
    /// an id (or a token) someone else may have seen or set before.
    func renew(_ session: ShopperSession, for request: Request) async throws -> Cookie {
        if storage.getId(request: request) != nil { _ = try? await storage.delete(request: request) }
        var session = session
        session.formToken = Self.newFormToken()
        return try await storage.save(session: session, expiresIn: Self.lifetime)
    }

    static func newFormToken() -> String {
        Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether a form's token is the session's, compared in constant time.
    static func formTokenMatches(_ sent: String?, _ session: ShopperSession?) -> Bool {
        guard let sent, let expected = session?.formToken else { return false }
        let a = Array(sent.utf8), b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
