import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `tradewind status`: what the registry holds, instance by instance.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the services and instances the registry knows.")

    @Option(help: "The registry's address.") var registry = ProcessInfo.processInfo.environment["REGISTRY_URL"] ?? "http://127.0.0.1:8500"

    func run() async throws {
        let services = try await get("/v1/catalog/services", as: [String: [String]].self)
        guard !services.isEmpty else {
            print("the registry at \(registry) holds no services")
            return
        }
        print("SERVICE          INSTANCE                              ADDRESS                 HEALTH")
        for name in services.keys.sorted() {
            for entry in try await get("/v1/health/service/\(name)", as: [Entry].self) {
                print(name.padding(toLength: 17, withPad: " ", startingAt: 0)
                    + entry.Service.ID.padding(toLength: 38, withPad: " ", startingAt: 0)
                    + "\(entry.Service.Address):\(entry.Service.Port)".padding(toLength: 24, withPad: " ", startingAt: 0)
                    + entry.health)
                for check in entry.Checks where check.Status != "passing" && !check.Output.isEmpty {
                    print("    \(check.CheckID): \(check.Output.prefix(160))")
                }
            }
        }
    }

    struct Entry: Decodable {
        struct Service: Decodable { let ID: String, Address: String, Port: Int }
        struct Check: Decodable { let CheckID: String, Status: String, Output: String }
        let Service: Service
        let Checks: [Check]

        /// The worst of its checks, passing without any: the registry's (and Consul's) rule.
        var health: String {
            let statuses = Set(Checks.map(\.Status))
            return ["critical", "warning"].first { statuses.contains($0) } ?? "passing"
        }
    }

    private func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: registry + path), timeout: .seconds(3))
        } catch {
            throw ValidationError("cannot reach the registry at \(registry): is `tradewind up` running?")
        }
        guard response.status == .ok else { throw ValidationError("the registry answered HTTP \(response.status.code) for \(path)") }
        return try JSONDecoder().decode(T.self, from: Data(try await response.body.collect(upTo: 4 << 20).readableBytesView))
    }
}
