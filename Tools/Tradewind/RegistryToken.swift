import ArgumentParser
import Foundation
import TradewindRuntime

/// `tradewind registry-token <service>`: the registry token of one service (or the operator's, or with
/// `--settings-reader` one that only reads the service's settings, as the gateway's), derived from the registry's
/// secret, for deployments that hand each service its own `REGISTRY_TOKEN`.
struct RegistryToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry-token",
        abstract: "Print a service's own registry token (or the operator's), made from REGISTRY_SECRET or the local .tradewind/registry.secret."
    )

    @Argument(help: "The service the token is for, e.g. cart-service.") var service: String?
    @Flag(help: "The operator's token, which may change any instance (keep it out of every service's configuration).") var `operator` = false
    @Flag(help: "A token that reads the service's settings and changes nothing (the gateway's).") var settingsReader = false

    func validate() throws {
        guard (service != nil) != `operator` else { throw ValidationError("name one service, or pass --operator") }
        guard !(settingsReader && `operator`) else { throw ValidationError("--settings-reader is for a service, not the operator") }
        if let service, service.isEmpty || service.utf8.count > 63 || !service.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }) {
            throw ValidationError("a service name is 1 to 63 lower-case letters, digits or '-'")
        }
    }

    func run() throws {
        let secret: String
        if let fromEnvironment = ProcessInfo.processInfo.environment["REGISTRY_SECRET"] {
            guard fromEnvironment.utf8.count >= RegistryCredential.minimumSecretLength else {
                throw ValidationError("REGISTRY_SECRET must be at least \(RegistryCredential.minimumSecretLength) characters")
            }
            secret = fromEnvironment
        } else if let local = LocalRegistrySecret.existing() {
            secret = local
        } else {
            throw ValidationError("set REGISTRY_SECRET (or run here after `tradewind up`, which keeps one in \(LocalRegistrySecret.path))")
        }
        let identity: RegistryCredential.Identity = switch service {
        case nil: .operator
        case let name? where settingsReader: .settingsReader(name)
        case let name?: .service(name)
        }
        print(RegistryCredential.token(for: identity, secret: secret))
    }
}
