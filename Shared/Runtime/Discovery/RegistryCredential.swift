import Crypto
import Foundation
import TradewindKernel

/// Per-service registry tokens, in the spirit of Consul's ACL service identities: the token of a service names
/// it and carries an HMAC of that name under the registry's secret, so the registry can tell which service is
/// asking without storing tokens, and a token for `cart-service` is worth nothing for `user-service`.
///
/// `service.<name>.<mac>` lets a service register, report on and deregister instances of `<name>` only;
/// `reader.<name>.<mac>` only reads `<name>`'s settings (for the gateway, which is exposed to the outside and must
/// not be able to register the instances it sends traffic to); `operator.<mac>` may change any instance. Catalog reads need no token; the key/value store needs one for reads
/// too (see `Registrant.mayRead(key:)`).
public enum RegistryCredential {
    public enum Identity: Sendable, Equatable {
        case service(String)
        /// Reads its own settings and changes nothing.
        case settingsReader(String)
        case `operator`
    }

    /// The registry's secret must be at least this long (REGISTRY_SECRET).
    public static let minimumSecretLength = 32

    public static func token(for identity: Identity, secret: String) -> String {
        switch identity {
        case .service(let name): "service.\(name).\(mac(of: "service:\(name)", secret: secret))"
        case .settingsReader(let name): "reader.\(name).\(mac(of: "reader:\(name)", secret: secret))"
        case .operator: "operator.\(mac(of: "operator", secret: secret))"
        }
    }

    /// The identity a token proves, or `nil` when it was not made with this secret.
    public static func identity(of token: String, secret: String) -> Identity? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let identity: Identity
        switch (parts.first, parts.count) {
        case ("service", 3): identity = .service(parts[1])
        case ("reader", 3): identity = .settingsReader(parts[1])
        case ("operator", 2): identity = .operator
        default: return nil
        }
        let expected = Self.token(for: identity, secret: secret)
        // Compare digests so the time taken says nothing about how much of the token matched.
        return SHA256.hash(data: Data(expected.utf8)) == SHA256.hash(data: Data(token.utf8)) ? identity : nil
    }

    private static func mac(of message: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("tradewind-registry/v1/\(message)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(code).base64URLEncodedString()
    }
}

/// The registry secret of a local run, made once in `.tradewind/registry.secret`: `tradewind up` gives the registry
/// the secret and each service its own token derived from it.
public enum LocalRegistrySecret {
    public static let path = ".tradewind/registry.secret"

    public static func existing() -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return secret.utf8.count >= RegistryCredential.minimumSecretLength ? secret : nil
    }

    public static func loadOrCreate() throws -> String {
        if let existing = existing() { return existing }
        var generator = SystemRandomNumberGenerator()
        let secret = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64URLEncodedString()
        try FileManager.default.createDirectory(atPath: ".tradewind", withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError(variable: "REGISTRY_SECRET", reason: "is not set and \(path) cannot be written")
        }
        return secret
    }
}
