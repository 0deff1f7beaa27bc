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
        StackService(name: "gateway", port: 8080, environment: [:]),
    ]

    static func named(_ name: String) -> StackService? { all.first { $0.name == name } }
}
