import ArgumentParser
import Foundation
import Logging
import TradewindRuntime
import UserServer

/// Operator tasks for the user service, using the same environment variables as the service itself.
struct UserCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Administer the user service's accounts and keys.",
        subcommands: [CreateAdmin.self, RotateKey.self]
    )

    struct CreateAdmin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-admin",
            abstract: "Create an administrator (or, with --promote-existing, grant the admin role to an existing account).",
            discussion: "The password is read from ADMIN_PASSWORD, or prompted for, so it stays out of shell history."
        )

        @Option(help: "The administrator's e-mail address.") var email: String
        @Option(help: "The display name.") var name = "Administrator"
        @Flag(help: "Grant the admin role to the account if it exists already (its password is not changed).") var promoteExisting = false

        func run() async throws {
            let password = ProcessInfo.processInfo.environment["ADMIN_PASSWORD"] ?? Self.prompt("Password for \(email): ")
            var logger = Logger(label: "tradewind")
            logger.logLevel = .warning
            // The password is this command's input, not the user service's start-up administrator (which would want
            // ADMIN_EMAIL beside it): the service's configuration is read without it.
            let environment = ServiceEnvironment(ProcessInfo.processInfo.environment.filter { $0.key != "ADMIN_PASSWORD" })
            print(try await UserAdministration.createAdmin(
                email: email, password: password, displayName: name, promotingExisting: promoteExisting, environment: environment, logger: logger
            ))
        }

        static func prompt(_ text: String) -> String {
            String(cString: getpass(text))
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Make a new token signing key for a local run; tokens signed by the old key stay valid until they expire."
        )

        func run() async throws {
            let kid = try UserAdministration.rotateSigningKey(environment: .process())
            print("new signing key \(kid); restart the user service to sign with it")
        }
    }
}
