import Logging
import Testing
import TradewindRuntime

@Suite struct ConfigurationTests {
    @Test func defaultsRunLocallyWithoutAnySetting() throws {
        let settings = try RuntimeSettings.load(serviceName: "user-service", defaultPort: 8081, from: ServiceEnvironment([:]), defaultJWKSURL: nil)
        #expect(settings.port == 8081)
        #expect(settings.host == "127.0.0.1")
        #expect(settings.database == .sqlite(path: ".tradewind/user-service.sqlite"))
        #expect(settings.logFormat == .text)
        #expect(settings.logLevel == .info)
    }

    @Test func readsEveryVariable() throws {
        let settings = try RuntimeSettings.load(serviceName: "user-service", defaultPort: 8081, from: ServiceEnvironment([
            "PORT": "9000", "HOST": "0.0.0.0", "DATABASE_URL": "postgres://app:secret@db:5433/users?sslmode=require",
            "LOG_FORMAT": "JSON", "LOG_LEVEL": "debug", "JWKS_URL": "http://user:8081/.well-known/jwks.json",
        ]), defaultJWKSURL: nil)
        #expect(settings.port == 9000)
        #expect(settings.host == "0.0.0.0")
        #expect(settings.database == .postgres(host: "db", port: 5433, username: "app", password: "secret", database: "users", requireTLS: true))
        #expect(settings.database.description == "postgres://app:***@db:5433/users")
        #expect(settings.logFormat == .json)
        #expect(settings.logLevel == .debug)
        #expect(settings.jwksURL == "http://user:8081/.well-known/jwks.json")
    }

    @Test(arguments: [
        ("PORT", "eighty", "PORT must be a whole number in 1...65535, got 'eighty'"),
        ("PORT", "70000", "PORT must be a whole number in 1...65535, got '70000'"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of text, json, got 'xml'"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical, got 'loud'"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL must start with sqlite:// or postgres://"),
        ("DATABASE_URL", "postgres://host/", "DATABASE_URL needs a database name after the host"),
        ("JWKS_URL", "not a url", "JWKS_URL must be an absolute URL, got 'not a url'"),
    ])
    func aBadValueNamesItsVariable(_ variable: String, _ value: String, _ message: String) {
        do {
            _ = try RuntimeSettings.load(serviceName: "svc", defaultPort: 1, from: ServiceEnvironment([variable: value]), defaultJWKSURL: nil)
            Issue.record("accepted \(variable)=\(value)")
        } catch {
            #expect("\(error)" == "invalid configuration: \(message)")
        }
    }

    @Test func aServiceTakesOnlyItsOwnRegistryToken() throws {
        let secret = "configuration-test-registry-secret-0123456789"
        let own = RegistryCredential.token(for: .service("svc"), secret: secret)
        let settings = try RuntimeSettings.load(serviceName: "svc", defaultPort: 1, from: ServiceEnvironment(["REGISTRY_TOKEN": own]), defaultJWKSURL: nil)
        #expect(settings.registryToken == own)
        for foreign in [RegistryCredential.token(for: .service("other"), secret: secret), "an-old-shared-registry-token"] {
            #expect(throws: ConfigurationError.self) {
                try RuntimeSettings.load(serviceName: "svc", defaultPort: 1, from: ServiceEnvironment(["REGISTRY_TOKEN": foreign]), defaultJWKSURL: nil)
            }
        }
    }

    @Test func sqliteURLsMayBeRelativeAbsoluteOrInMemory() throws {
        #expect(try DatabaseURL("sqlite://data/users.sqlite") == .sqlite(path: "data/users.sqlite"))
        #expect(try DatabaseURL("sqlite:///var/lib/users.sqlite") == .sqlite(path: "/var/lib/users.sqlite"))
        #expect(try DatabaseURL("sqlite::memory:") == .sqliteInMemory)
    }

    /// Without a registry, a publisher finds the consumers of its events only through `EVENT_CONSUMERS`.
    @Test func staticDiscoveryKnowsTheServicesItCallsAndTheConsumersItIsTold() async throws {
        let environment = ServiceEnvironment([
            "PRODUCT_SERVICE_URL": "http://product-service:8082", "PAYMENT_SERVICE_URL": "http://payment-service:8086,http://10.0.0.9:8086",
            "EVENT_CONSUMERS": " payment-service, ",
        ])
        let discovery = StaticDiscovery(environment: environment, services: ["product-service", "cargo-service"])
        #expect(await discovery.knownServices() == ["product-service", "payment-service"])
        #expect(await discovery.endpoints(of: "payment-service").map(\.host) == ["payment-service", "10.0.0.9"])
        let withoutConsumers = StaticDiscovery(environment: ServiceEnvironment(["PAYMENT_SERVICE_URL": "http://payment-service:8086"]), services: [])
        #expect(await withoutConsumers.knownServices() == [])
    }
}
