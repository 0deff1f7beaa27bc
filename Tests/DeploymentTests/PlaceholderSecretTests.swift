import CargoServer
import Foundation
import OrderServer
import RegistryServer
import Testing
import TradewindRuntime
import UserServer

/// An operator who copies Deploy/compose/tradewind.env.example and forgets to replace a value must not get a
/// running stack with a secret everybody can read: each service refuses to start, naming the variable.
@Suite struct PlaceholderSecretTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The example file's `NAME=value` lines.
    static func exampleValues() throws -> [String: String] {
        let text = try String(contentsOf: repository.appendingPathComponent("Deploy/compose/tradewind.env.example"), encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values
    }

    static func refusal(_ load: () throws -> Void) -> ConfigurationError? {
        do {
            try load()
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func everySecretOfTheExampleFileIsRefusedByTheServiceThatReadsIt() throws {
        let example = try Self.exampleValues()
        func value(_ name: String) throws -> String { try #require(example[name], "\(name) is not in the example file") }
        let strong = "9f2c4e1a7b3d8c6e5f0a1b2c3d4e5f60"

        let admin = Self.refusal {
            _ = try UserServiceConfiguration.load(from: ServiceEnvironment(["ADMIN_EMAIL": try value("ADMIN_EMAIL"), "ADMIN_PASSWORD": try value("ADMIN_PASSWORD")]))
        }
        #expect(admin?.variable == "ADMIN_PASSWORD")
        #expect(admin?.reason.contains("placeholder") == true)

        for client in ["ORDER_SERVICE_CLIENT_SECRET", "CARGO_SERVICE_CLIENT_SECRET"] {
            let clients = Self.refusal {
                _ = try UserServiceConfiguration.load(from: ServiceEnvironment(["SERVICE_CLIENTS": "some-service:\(try value(client))"]))
            }
            #expect(clients?.variable == "SERVICE_CLIENTS")
        }
        let order = Self.refusal {
            _ = try OrderServiceConfiguration.load(from: ServiceEnvironment(["SERVICE_CLIENT_SECRET": try value("ORDER_SERVICE_CLIENT_SECRET")]))
        }
        #expect(order?.variable == "SERVICE_CLIENT_SECRET")
        let cargo = Self.refusal {
            _ = try CargoServiceConfiguration.load(from: ServiceEnvironment(["SERVICE_CLIENT_SECRET": try value("CARGO_SERVICE_CLIENT_SECRET")]))
        }
        #expect(cargo?.variable == "SERVICE_CLIENT_SECRET")

        let registry = Self.refusal { _ = try RegistryService.Configuration.load(from: ServiceEnvironment(["REGISTRY_SECRET": try value("REGISTRY_SECRET")])) }
        #expect(registry?.variable == "REGISTRY_SECRET")
        let token = Self.refusal {
            _ = try OrderServiceConfiguration.load(from: ServiceEnvironment(["REGISTRY_TOKEN": try value("ORDER_SERVICE_REGISTRY_TOKEN")]))
        }
        #expect(token?.variable == "REGISTRY_TOKEN")

        for database in ["USER_DB_PASSWORD", "PRODUCT_DB_PASSWORD", "CART_DB_PASSWORD", "CARGO_DB_PASSWORD", "ORDER_DB_PASSWORD"] {
            let url = "postgres://service:\(try value(database))@postgres:5432/service"
            #expect(Self.refusal { _ = try OrderServiceConfiguration.load(from: ServiceEnvironment(["DATABASE_URL": url])) }?.variable == "DATABASE_URL")
        }

        // The same settings with real secrets start.
        #expect(Self.refusal {
            _ = try UserServiceConfiguration.load(from: ServiceEnvironment([
                "ADMIN_EMAIL": "ops@example.com", "ADMIN_PASSWORD": strong, "SERVICE_CLIENTS": "order-service:\(strong)",
                "DATABASE_URL": "postgres://service:\(strong)@postgres:5432/service",
            ]))
        } == nil)
        #expect(Self.refusal { _ = try OrderServiceConfiguration.load(from: ServiceEnvironment(["SERVICE_CLIENT_SECRET": strong])) } == nil)
    }

    @Test(arguments: ["short-secret", "aaaaaaaaaaaaaaaaaaaaaaaa", "passwordpassword", "change-me-0123456789abcdef", "CHANGEME0123456789abcdef"])
    func weakOrPlaceholderSecretsAreRefused(_ secret: String) {
        #expect(SecretPolicy.weakness(of: secret) != nil)
        let refusal = Self.refusal { _ = try OrderServiceConfiguration.load(from: ServiceEnvironment(["SERVICE_CLIENT_SECRET": secret])) }
        #expect(refusal?.variable == "SERVICE_CLIENT_SECRET")
        #expect(refusal?.description.contains(secret) == false, "a refused secret must not be printed")
    }
}
