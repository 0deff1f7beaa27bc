import Foundation
import TradewindRuntime

/// Everything the cargo service reads from its environment, on top of the shared ``RuntimeSettings``.
public struct CargoServiceConfiguration: Sendable {
    public static let defaultPort = 8084

    public var runtime: RuntimeSettings
    /// `SEED_SAMPLE_DATA`: the sample locations and voyages (on by default: routing needs a network).
    public var seedSampleData: Bool
    /// This service's own token, to deliver its events.
    public var machineClient: MachineClientSettings
    /// `ORDER_SERVICE_URL`: fixed instances of the subscriber, before the registry.
    public var staticDiscovery: StaticDiscovery

    public init(runtime: RuntimeSettings, seedSampleData: Bool = true, machineClient: MachineClientSettings = .init(clientID: "cargo-service"),
                staticDiscovery: StaticDiscovery = StaticDiscovery([:])) {
        self.runtime = runtime
        self.seedSampleData = seedSampleData
        self.machineClient = machineClient
        self.staticDiscovery = staticDiscovery
    }

    public static func load(from environment: ServiceEnvironment) throws -> CargoServiceConfiguration {
        let runtime = try RuntimeSettings.load(
            serviceName: "cargo-service", defaultPort: defaultPort, from: environment,
            defaultJWKSURL: "http://127.0.0.1:8081/.well-known/jwks.json"
        )
        return CargoServiceConfiguration(
            runtime: runtime, seedSampleData: try environment.bool("SEED_SAMPLE_DATA", default: true),
            machineClient: try .load(from: environment, serviceName: "cargo-service"),
            staticDiscovery: StaticDiscovery(environment: environment, services: ["order-service"])
        )
    }
}
