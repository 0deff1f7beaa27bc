import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JWTKit
import TradewindRuntime

/// Where the signing keys come from. In deployments: `JWT_SIGNING_KEY` (PEM) or `JWT_SIGNING_KEY_FILE`, and
/// optionally `JWT_PREVIOUS_KEY_FILE`. Locally: a folder (default `.tradewind/keys/user-service`) holding
/// `signing-key.pem`, generated on first start, and `previous-signing-key.pem` after a rotation.
public struct SigningKeyStore: Sendable {
    public enum Source: Sendable, Equatable {
        case pem(current: String, previousFile: String?)
        case file(current: String, previousFile: String?)
        case folder(String)
    }

    public let source: Source

    public init(source: Source) { self.source = source }

    public init(environment: ServiceEnvironment) {
        let previous = environment.string("JWT_PREVIOUS_KEY_FILE")
        if let pem = environment.string("JWT_SIGNING_KEY") {
            source = .pem(current: pem, previousFile: previous)
        } else if let file = environment.string("JWT_SIGNING_KEY_FILE") {
            source = .file(current: file, previousFile: previous)
        } else {
            source = .folder(environment.string("KEY_DIRECTORY", default: ".tradewind/keys/user-service"))
        }
    }

    public func load() throws -> SigningKeyRing {
        switch source {
        case .pem(let current, let previousFile):
            return try SigningKeyRing(current: Self.privateKey(pem: current, origin: "JWT_SIGNING_KEY"), previous: Self.previousKeys(at: previousFile))
        case .file(let path, let previousFile):
            return try SigningKeyRing(current: Self.privateKey(pem: Self.read(path), origin: path), previous: Self.previousKeys(at: previousFile))
        case .folder(let folder):
            let current = "\(folder)/signing-key.pem", previous = "\(folder)/previous-signing-key.pem"
            if !FileManager.default.fileExists(atPath: current) { try Self.write(ES256PrivateKey().pemRepresentation, to: current) }
            let previousPath = FileManager.default.fileExists(atPath: previous) ? previous : nil
            return try SigningKeyRing(current: Self.privateKey(pem: Self.read(current), origin: current), previous: Self.previousKeys(at: previousPath))
        }
    }

    /// Makes a new signing key; the old one stays published (as the previous key) until the next rotation.
    /// Only for the local folder: deployments rotate by changing their secret.
    public func rotate() throws -> SigningKeyRing {
        guard case .folder(let folder) = source else {
            throw KeyRingError("keys come from the environment; rotate them by updating JWT_SIGNING_KEY(_FILE) and JWT_PREVIOUS_KEY_FILE")
        }
        let old = try load()
        try Self.write(old.current.pemRepresentation, to: "\(folder)/previous-signing-key.pem")
        try Self.write(ES256PrivateKey().pemRepresentation, to: "\(folder)/signing-key.pem")
        return try load()
    }

    private static func previousKeys(at path: String?) throws -> [ES256PublicKey] {
        guard let path else { return [] }
        let pem = try read(path)
        if pem.contains("PRIVATE KEY") { return [try privateKey(pem: pem, origin: path).publicKey] }
        do { return [try ES256PublicKey(pem: pem)] } catch { throw KeyRingError("\(path) is not a P-256 public or private key in PEM") }
    }

    private static func privateKey(pem: String, origin: String) throws -> ES256PrivateKey {
        do { return try ES256PrivateKey(pem: pem) } catch { throw KeyRingError("\(origin) is not a P-256 private key in PEM") }
    }

    private static func read(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch { throw KeyRingError("cannot read key file \(path)") }
    }

    private static func write(_ pem: String, to path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard FileManager.default.createFile(atPath: path + ".tmp", contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw KeyRingError("cannot write key file \(path)")
        }
        guard rename(path + ".tmp", path) == 0 else { throw KeyRingError("cannot move the new key into \(path)") }
    }
}
