import Foundation
import TradewindKernel

/// What the storefront remembers of one browser between requests, kept on the server (the cookie holds only the
/// session's id): the form token, the guest cart, and the tokens of a signed-in shopper.
public struct ShopperSession: Codable, Sendable, Equatable {
    /// The token every form of this session carries back (CSRF protection).
    public var formToken: String
    /// The guest cart's token, until the shopper signs in and it is merged into theirs.
    public var guestCartToken: String?
    public var account: SignedInAccount?
    /// Said once on the next page shown ("Added to your cart"), then forgotten.
    public var notice: String?

    public init(formToken: String, guestCartToken: String? = nil, account: SignedInAccount? = nil, notice: String? = nil) {
        self.formToken = formToken
        self.guestCartToken = guestCartToken
        self.account = account
        self.notice = notice
    }
}

/// A signed-in shopper's tokens, as the user context issued them.
public struct SignedInAccount: Codable, Sendable, Equatable {
    public var displayName: String
    /// `customer`, `operator`, `admin`: what the pages offer (the contexts check again).
    public var roles: [String]
    public var tokens: AccountTokens

    public init(displayName: String, roles: [String] = ["customer"], tokens: AccountTokens) {
        self.displayName = displayName
        self.roles = roles
        self.tokens = tokens
    }
}

/// Who an account is, as the user context tells it.
public struct AccountProfile: Sendable, Equatable {
    public let displayName: String
    public let roles: [String]

    public init(displayName: String, roles: [String]) {
        self.displayName = displayName
        self.roles = roles
    }
}

public struct AccountTokens: Codable, Sendable, Equatable {
    public var accessToken: String
    public var accessExpiresAt: Date
    public var refreshToken: String?

    public init(accessToken: String, accessExpiresAt: Date, refreshToken: String?) {
        self.accessToken = accessToken
        self.accessExpiresAt = accessExpiresAt
        self.refreshToken = refreshToken
    }

    /// Whether the access token should be renewed before a call that starts at `now` (a margin for the call).
    public func needsRefresh(at now: Date, margin: TimeInterval = 30) -> Bool {
        accessExpiresAt.timeIntervalSince(now) < margin
    }
}

/// Whose cart a call is about: a guest's, named by its token, or a signed-in customer's, by their access token.
public enum CartHolder: Sendable, Equatable {
    case guest(cartToken: String)
    case customer(accessToken: String)
}

public struct ShopCartLine: Sendable, Equatable {
    public let sku: String
    public let name: String
    public let quantity: Int
    public let unitPrice: Money
    public let lineTotal: Money
    public let priceChanged: Bool
    public let available: Bool

    public init(sku: String, name: String, quantity: Int, unitPrice: Money, lineTotal: Money, priceChanged: Bool, available: Bool) {
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.lineTotal = lineTotal
        self.priceChanged = priceChanged
        self.available = available
    }
}

public struct ShopCart: Sendable, Equatable {
    public let lines: [ShopCartLine]
    public let total: Money?
    public let itemCount: Int

    public init(lines: [ShopCartLine], total: Money?, itemCount: Int) {
        self.lines = lines
        self.total = total
        self.itemCount = itemCount
    }

    public static let empty = ShopCart(lines: [], total: nil, itemCount: 0)
}

/// Accounts, as the user context publishes them.
public protocol Accounts: Sendable {
    /// Creates a customer account; `StorefrontError.refused` names what is wrong with it.
    func register(email: String, displayName: String, password: String) async throws
    func signIn(email: String, password: String) async throws -> AccountTokens
    /// New tokens for a refresh token, which is used up (a second use signs the shopper out everywhere).
    func refresh(_ refreshToken: String) async throws -> AccountTokens
    /// Ends the sign-in the refresh token belongs to; an unknown token is no error.
    func revoke(_ refreshToken: String) async throws
    /// The name the shopper chose, for the page header, and their roles.
    func profile(accessToken: String) async throws -> AccountProfile
}

/// Carts, as the cart context publishes them.
public protocol Carts: Sendable {
    /// A new guest cart's token.
    func openGuestCart() async throws -> String
    /// `nil` when the holder has no cart (a guest token that expired).
    func cart(of holder: CartHolder) async throws -> ShopCart?
    func add(sku: String, quantity: Int, for holder: CartHolder) async throws -> ShopCart
    func change(sku: String, quantity: Int, for holder: CartHolder) async throws -> ShopCart
    func remove(sku: String, for holder: CartHolder) async throws -> ShopCart
    /// Moves a guest cart's lines into the customer's cart; the guest cart is gone afterwards.
    func merge(guestCartToken: String, into accessToken: String) async throws
}
