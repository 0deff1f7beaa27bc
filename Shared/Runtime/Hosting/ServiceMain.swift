import Foundation
import Hummingbird
import Logging

extension ServiceHost {
    /// The entry point every service executable shares: load the configuration (a bad setting stops the process
    /// with exit code 78 and a message naming the variable), build the application, run it until SIGTERM/SIGINT.
    public static func main<Configuration: Sendable, App: ApplicationProtocol>(
        _ name: String,
        load: () throws -> Configuration,
        settings: (Configuration) -> RuntimeSettings,
        build: (Configuration, Logger) async throws -> App
    ) async -> Never {
        let configuration: Configuration
        do {
            configuration = try load()
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(78)  // EX_CONFIG
        }
        let logger = makeLogger(settings(configuration))
        do {
            try await build(configuration, logger).runService()
            exit(0)
        } catch {
            logger.critical("\(name) stopped", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
