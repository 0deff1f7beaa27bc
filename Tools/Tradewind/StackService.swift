import Foundation
import TradewindRuntime

/// A service of the local stack: how `tradewind up` starts it and where it listens.
struct StackService: Sendable {
    let name: String
    let port: Int
    /// Extra environment for a local run on top of the service's own defaults.
    let environment: [String: String]

    /// The services that keep data, each in its own database (`tradewind_<name>` when `up` runs on PostgreSQL).
    static let withDatabase: Set<String> = [
        "user", "product", "cart", "cargo", "order", "storefront",
        // tradewind new context: databases
    ]

    /// Every service that exists so far, in start order.
    static let all: [StackService] = [
        StackService(name: "registry", port: 8500, environment: [:]),
        StackService(name: "user", port: 8081, environment: [:]),
        StackService(name: "product", port: 8082, environment: ["SEED_SAMPLE_DATA": "true"]),
        StackService(name: "cart", port: 8083, environment: [:]),
        StackService(name: "cargo", port: 8084, environment: [:]),
        StackService(name: "order", port: 8085, environment: [:]),
        // tradewind new context: services
        // Below the contexts' ports, which new contexts extend upwards from the order service's.
        StackService(name: "storefront", port: 8070, environment: [:]),
        StackService(name: "gateway", port: 8080, environment: [:]),
    ]

    /// The service's own executable (and the name it has in docker-compose.yml and the Kubernetes manifests).
    var executable: String { ["registry", "gateway", "storefront"].contains(name) ? name : "\(name)-service" }

    static func named(_ name: String) -> StackService? { all.first { $0.name == name } }

    /// The services that call others with their own token (`client_credentials`), by their client id.
    static let machineClients = [
        "order": "order-service",
        "cargo": "cargo-service",
        // tradewind new context: machine clients
    ]

    /// The stack moved by `offset` ports (so that a second stack, e.g. a test's, can run beside the usual one),
    /// with each service told where the registry and the token issuer are, the machine clients' secrets, the
    /// registry its secret, every service its own registry token, and the gateway (which registers nothing) a token
    /// that reads its settings only.
    static func stack(portOffset offset: Int, clientSecrets: [String: String], registrySecret: String, databaseURLs: [String: String] = [:]) -> [StackService] {
        let registry = "http://127.0.0.1:\(8500 + offset)"
        let issuer = "http://127.0.0.1:\(8081 + offset)"
        return all.map { service in
            var environment = service.environment
            // The local gateway, and nothing else, runs on this machine in front of the services.
            environment["TRUSTED_PROXIES"] = service.name == "gateway" ? "" : "127.0.0.0/8,::1"
            switch service.name {
            case "registry":
                environment["REGISTRY_SECRET"] = registrySecret
            case "gateway":
                environment["REGISTRY_URL"] = registry
                environment["REGISTRY_TOKEN"] = RegistryCredential.token(for: .settingsReader(service.executable), secret: registrySecret)
            default:
                environment["REGISTRY_URL"] = registry
                environment["REGISTRY_TOKEN"] = RegistryCredential.token(for: .service(service.executable), secret: registrySecret)
            }
            if !["registry", "user"].contains(service.name) {
                environment["JWKS_URL"] = "\(issuer)/.well-known/jwks.json"
                environment["TOKEN_URL"] = "\(issuer)/oauth/token"
            }
            if service.name == "user" {
                environment["SERVICE_CLIENTS"] = clientSecrets.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
            }
            if let databaseURL = databaseURLs[service.name] { environment["DATABASE_URL"] = databaseURL }
            if let clientID = machineClients[service.name], let secret = clientSecrets[clientID] {
                environment["SERVICE_CLIENT_ID"] = clientID
                environment["SERVICE_CLIENT_SECRET"] = secret
            }
            return StackService(name: service.name, port: service.port + offset, environment: environment)
        }
    }

    /// The machine clients' secrets of this working directory's stack, made once and kept in
    /// `.tradewind/service-clients.json`.
    static func clientSecrets(in folder: URL) throws -> [String: String] {
        let file = folder.appendingPathComponent(".tradewind/service-clients.json")
        if let data = try? Data(contentsOf: file), let stored = try? JSONDecoder().decode([String: String].self, from: data),
           Set(stored.keys) == Set(machineClients.values) {
            return stored
        }
        var generator = SystemRandomNumberGenerator()
        let secrets = Dictionary(uniqueKeysWithValues: machineClients.values.map { id in
            (id, (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined())
        })
        try JSONEncoder().encode(secrets).write(to: file, options: [.atomic])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return secrets
    }
}
