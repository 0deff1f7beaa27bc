import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import TradewindKernel

/// Public keys fetched from a JWKS URL and cached. A token with an unknown `kid` triggers a refetch
/// (the issuer may have rotated its key), at most once per `minimumRefetchInterval`, so a flood of tokens
/// with made-up key ids cannot turn into a flood of requests to the issuer.
public actor RemoteJWKS: VerificationKeySource {
    private let url: String
    private let httpClient: HTTPClient
    private let clock: any WallClock
    private let cacheLifetime: TimeInterval
    private let minimumRefetchInterval: TimeInterval
    private let logger: Logger
    private var cached: VerificationKeys?
    private var fetchedAt: Date?
    private var inFlight: Task<VerificationKeys, any Error>?

    public init(
        url: String, httpClient: HTTPClient = .shared, clock: any WallClock = SystemWallClock(),
        cacheLifetime: TimeInterval = 300, minimumRefetchInterval: TimeInterval = 10, logger: Logger
    ) {
        self.url = url
        self.httpClient = httpClient
        self.clock = clock
        self.cacheLifetime = cacheLifetime
        self.minimumRefetchInterval = minimumRefetchInterval
        self.logger = logger
    }

    public func keys() async throws -> VerificationKeys {
        if let cached, let fetchedAt, clock.now().timeIntervalSince(fetchedAt) < cacheLifetime { return cached }
        do {
            return try await fetch()
        } catch {
            // The issuer is briefly unreachable: keep verifying with the keys we have.
            if let cached { return cached }
            throw error
        }
    }

    public func refresh(forUnknownKeyID kid: String) async throws -> VerificationKeys {
        if let cached, let fetchedAt, clock.now().timeIntervalSince(fetchedAt) < minimumRefetchInterval { return cached }
        logger.info("refetching JWKS for an unknown key id", metadata: ["kid": "\(kid.prefix(64))"])
        return try await fetch()
    }

    private func fetch() async throws -> VerificationKeys {
        if let inFlight { return try await inFlight.value }
        let task = Task { [url, httpClient] in
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "accept", value: "application/json")
            let response = try await httpClient.execute(request, timeout: .seconds(5))
            guard response.status == .ok else { throw JWKSFetchError(url: url, status: Int(response.status.code)) }
            let body = try await response.body.collect(upTo: 1 << 20)
            return try await VerificationKeys.jwks(String(buffer: body))
        }
        inFlight = task
        defer { inFlight = nil }
        let collection = try await task.value
        cached = collection
        fetchedAt = clock.now()
        return collection
    }
}

public struct JWKSFetchError: Error, CustomStringConvertible {
    public let url: String
    public let status: Int
    public var description: String { "fetching JWKS from \(url) answered HTTP \(status)" }
}

extension RuntimeSettings {
    /// The verifier of the access tokens this service accepts, with `keys` when given (tests) or the issuer's keys
    /// fetched from `JWKS_URL`, without which a service that checks tokens cannot start.
    public func accessTokenVerifier(keys: (any VerificationKeySource)?, clock: any WallClock, logger: Logger) throws -> AccessTokenVerifier {
        guard let source = keys ?? jwksURL.map({ RemoteJWKS(url: $0, logger: logger) }) else {
            throw ConfigurationError(variable: "JWKS_URL", reason: "\(serviceName) needs the token issuer's JWKS URL")
        }
        return AccessTokenVerifier(keys: source, issuer: tokenIssuer, audience: tokenAudience, clock: clock)
    }
}
