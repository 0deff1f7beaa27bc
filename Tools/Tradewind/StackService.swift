/// A service of the local stack: how `tradewind up` starts it and where it listens.
struct StackService: Sendable {
    let name: String
    let port: Int
    /// Extra environment for a local run on top of the service's own defaults.
    let environment: [String: String]

    /// Every service that exists so far, in start order.
    static let all: [StackService] = [
        StackService(name: "registry", port: 8500, environment: [:]),
        StackService(name: "user", port: 8081, environment: [:]),
        StackService(name: "product", port: 8082, environment: ["SEED_SAMPLE_DATA": "true"]),
        StackService(name: "cart", port: 8083, environment: [:]),
        StackService(name: "cargo", port: 8084, environment: [:]),
        StackService(name: "gateway", port: 8080, environment: [:]),
    ]

    static func named(_ name: String) -> StackService? { all.first { $0.name == name } }

    /// The stack moved by `offset` ports (so that a second stack, e.g. a test's, can run beside the usual one),
    /// with each service told where the registry and the token issuer's keys are.
    static func stack(portOffset offset: Int) -> [StackService] {
        let registry = "http://127.0.0.1:\(8500 + offset)"
        let jwks = "http://127.0.0.1:\(8081 + offset)/.well-known/jwks.json"
        return all.map { service in
            var environment = service.environment
            if service.name != "registry" { environment["REGISTRY_URL"] = registry }
            if !["registry", "user"].contains(service.name) { environment["JWKS_URL"] = jwks }
            return StackService(name: service.name, port: service.port + offset, environment: environment)
        }
    }
}
