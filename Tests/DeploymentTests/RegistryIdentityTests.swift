import Foundation
import Testing
import TradewindRuntime
@testable import tradewind

/// Every way of running the stack gives the registry its secret, each registering service its own token and the
/// gateway one that reads its settings only; and the shell derivation deployments use agrees with the registry's.
@Suite struct RegistryIdentityTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let secret = "stack-test-registry-secret-0123456789abcdef"

    @Test func upGivesEachServiceItsOwnTokenAndTheGatewayAReaderToken() {
        let stack = StackService.stack(portOffset: 0, clientSecrets: [:], registrySecret: secret)
        for service in stack {
            switch service.name {
            case "registry":
                #expect(service.environment["REGISTRY_SECRET"] == secret)
                #expect(service.environment["REGISTRY_TOKEN"] == nil)
            case "gateway":
                #expect(RegistryCredential.identity(of: service.environment["REGISTRY_TOKEN"] ?? "", secret: secret) == .settingsReader("gateway"))
                #expect(service.environment["REGISTRY_SECRET"] == nil)
            default:
                let token = service.environment["REGISTRY_TOKEN"] ?? ""
                #expect(RegistryCredential.identity(of: token, secret: secret) == .service(service.executable), "\(service.name)")
                #expect(service.environment["REGISTRY_SECRET"] == nil)
            }
        }
    }

    @Test func newEnvDerivesTokensTheRegistryAccepts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let envFile = folder.appendingPathComponent("test.env")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", Self.repository.appendingPathComponent("Deploy/compose/new-env.sh").path, envFile.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let lines = try String(contentsOf: envFile, encoding: .utf8).split(separator: "\n")
        func value(_ name: String) -> String? { lines.first { $0.hasPrefix("\(name)=") }.map { String($0.dropFirst(name.count + 1)) } }
        let registrySecret = try #require(value("REGISTRY_SECRET"))
        #expect(registrySecret.count >= RegistryCredential.minimumSecretLength)
        for service in ["user-service", "product-service", "cart-service", "cargo-service", "order-service"] {
            let variable = service.uppercased().replacingOccurrences(of: "-", with: "_") + "_REGISTRY_TOKEN"
            let token = try #require(value(variable), "\(variable) missing")
            #expect(RegistryCredential.identity(of: token, secret: registrySecret) == .service(service))
        }
        #expect(RegistryCredential.identity(of: try #require(value("GATEWAY_SETTINGS_TOKEN")), secret: registrySecret) == .settingsReader("gateway"))
        #expect(value("REGISTRY_TOKEN") == nil, "the shared token is gone")
    }

    @Test func aTokenProvesOnlyItsOwnIdentity() {
        let cart = RegistryCredential.token(for: .service("cart-service"), secret: secret)
        #expect(RegistryCredential.identity(of: cart, secret: secret) == .service("cart-service"))
        #expect(RegistryCredential.identity(of: cart.replacingOccurrences(of: "cart-service", with: "user-service"), secret: secret) == nil)
        #expect(RegistryCredential.identity(of: cart, secret: secret + "x") == nil)
        #expect(RegistryCredential.identity(of: "operator." + cart.split(separator: ".").last!, secret: secret) == nil)
        #expect(RegistryCredential.identity(of: RegistryCredential.token(for: .operator, secret: secret), secret: secret) == .operator)
        let reader = RegistryCredential.token(for: .settingsReader("gateway"), secret: secret)
        #expect(RegistryCredential.identity(of: reader, secret: secret) == .settingsReader("gateway"))
        #expect(RegistryCredential.identity(of: reader.replacingOccurrences(of: "reader.", with: "service."), secret: secret) == nil)
    }
}
