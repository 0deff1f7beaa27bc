import Foundation
import TradewindRuntime

/// Everything the product service reads from its environment, on top of the shared ``RuntimeSettings``.
public struct ProductServiceConfiguration: Sendable {
    public static let defaultPort = 8082

    public var runtime: RuntimeSettings
    /// `SEED_SAMPLE_DATA`: create the sample catalog at start (idempotent). Off by default, on in `tradewind up`.
    public var seedSampleData: Bool
    /// `RESERVATION_SWEEP_SECONDS`: how often overdue reservations give their stock back.
    public var reservationSweepInterval: Duration

    public init(runtime: RuntimeSettings, seedSampleData: Bool = false, reservationSweepInterval: Duration = .seconds(30)) {
        self.runtime = runtime
        self.seedSampleData = seedSampleData
        self.reservationSweepInterval = reservationSweepInterval
    }

    public static func load(from environment: ServiceEnvironment) throws -> ProductServiceConfiguration {
        let runtime = try RuntimeSettings.load(
            serviceName: "product-service", defaultPort: defaultPort, from: environment,
            defaultJWKSURL: "http://127.0.0.1:8081/.well-known/jwks.json"
        )
        return ProductServiceConfiguration(
            runtime: runtime,
            seedSampleData: try environment.bool("SEED_SAMPLE_DATA", default: false),
            reservationSweepInterval: .seconds(try environment.int("RESERVATION_SWEEP_SECONDS", default: 30, in: 1...3600))
        )
    }
}
