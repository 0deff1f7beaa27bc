/// What a successful token request returns (RFC 6749 section 5.1).
public struct TokenGrant: Sendable, Equatable {
    public let accessToken: String
    public let expiresIn: Int
    public let refreshToken: String?

    public init(accessToken: String, expiresIn: Int, refreshToken: String?) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
    }
}
