import Foundation
import TradewindKernel

/// The registry token of a local run, shared with the services `tradewind up` starts through a file.
public enum LocalRegistryToken {
    public static let path = ".tradewind/registry.token"

    /// The token a local registry wrote, if any.
    public static func existing() -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.utf8.count >= 16 ? token : nil
    }

    public static func loadOrCreate() throws -> String {
        if let existing = existing() { return existing }
        var generator = SystemRandomNumberGenerator()
        let token = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64URLEncodedString()
        try FileManager.default.createDirectory(atPath: ".tradewind", withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError(variable: "REGISTRY_TOKEN", reason: "is not set and \(path) cannot be written")
        }
        return token
    }
}
