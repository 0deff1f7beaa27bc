import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TradewindRuntime

/// `tradewind config get|set|delete|watch <key>`: the settings services read from the registry's key/value store,
/// as an operator changes them on a running stack.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Read and change the settings services read from the registry, without restarting them.",
        discussion: """
        A key is <service>/<setting> (order-service/log.level) or shared/<setting> (every service), kept under \
        config/<environment>/ in the registry's key/value store; a key that starts with config/ is used as it is. \
        A service's environment variable wins over the store. The settings are listed in CONFIGURATION.md.
        """,
        subcommands: [Get.self, Set.self, Delete.self, Watch.self]
    )

    struct Connection: ParsableArguments {
        @Option(help: "The registry's address.") var registry = ProcessInfo.processInfo.environment["REGISTRY_URL"] ?? "http://127.0.0.1:8500"
        @Option(help: "The environment the settings are for (TRADEWIND_ENVIRONMENT).")
        var environment = ProcessInfo.processInfo.environment["TRADEWIND_ENVIRONMENT"] ?? ConfigurationKeys.defaultEnvironment

        /// `config/<environment>/<key>`, or the key itself when it names its place in full.
        func storeKey(_ key: String) throws -> String {
            if key.hasPrefix("config/") { return key }
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 2, !parts[0].isEmpty else {
                throw ValidationError("name a setting as <service>/<setting> (order-service/log.level) or shared/<setting>")
            }
            return "config/\(environment)/\(key)"
        }

        /// The operator's registry token: REGISTRY_TOKEN, or made from REGISTRY_SECRET or the local stack's secret.
        func operatorToken() throws -> String {
            let variables = ProcessInfo.processInfo.environment
            if let token = variables["REGISTRY_TOKEN"], token.hasPrefix("operator.") { return token }
            if let secret = variables["REGISTRY_SECRET"] ?? LocalRegistrySecret.existing() {
                return RegistryCredential.token(for: .operator, secret: secret)
            }
            throw ValidationError("changing settings needs the operator's registry token: set REGISTRY_TOKEN (tradewind registry-token --operator) or REGISTRY_SECRET, or run this where `tradewind up` keeps .tradewind/registry.secret")
        }

        func send(_ method: HTTPMethod, _ key: String, query: String = "", body: String? = nil, timeout: TimeAmount = .seconds(5)) async throws -> (status: Int, body: String, index: String?) {
            let encoded = key.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? key
            var request = HTTPClientRequest(url: registry.trimmingCharacters(in: ["/"]) + "/v1/kv/" + encoded + query)
            request.method = method
            request.headers.add(name: "X-Consul-Token", value: try operatorToken())
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response: HTTPClientResponse
            do {
                response = try await HTTPClient.shared.execute(request, timeout: timeout)
            } catch {
                throw ValidationError("the registry at \(registry) did not answer (\(error)); is the stack running (tradewind up)?")
            }
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            if response.status.code >= 400 && response.status.code != 404 {
                let detail = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["detail"] as? String
                throw ValidationError("the registry refused: \(response.status.code) \(detail ?? text)")
            }
            return (Int(response.status.code), text, response.headers.first(name: "X-Consul-Index"))
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a setting's value (a key ending in / lists every setting under it).")
        @OptionGroup var connection: Connection
        @Argument(help: "<service>/<setting>, shared/<setting>, or a folder such as order-service/") var key: String

        func run() async throws {
            let key = try connection.storeKey(key)
            if key.hasSuffix("/") {
                let answer = try await connection.send(.GET, key, query: "?recurse")
                let entries = (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [[String: Any]]) ?? []
                for entry in entries {
                    let value = (entry["Value"] as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
                    print("\(entry["Key"] as? String ?? "")=\(value)")
                }
                return
            }
            let answer = try await connection.send(.GET, key, query: "?raw")
            guard answer.status == 200 else { throw ValidationError("\(key) is not set") }
            print(answer.body)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a setting; services that read it change within a second.")
        @OptionGroup var connection: Connection
        @Argument(help: "<service>/<setting> or shared/<setting>") var key: String
        @Argument(help: "The new value.") var value: String
        @Option(help: "Write only if the key's ModifyIndex is still this (0: only if it is not set yet).") var cas: UInt64?

        func run() async throws {
            let key = try connection.storeKey(key)
            let answer = try await connection.send(.PUT, key, query: cas.map { "?cas=\($0)" } ?? "", body: value)
            guard answer.body.trimmingCharacters(in: .whitespacesAndNewlines) == "true" else {
                throw ValidationError("\(key) was not written: it changed since index \(cas.map(String.init) ?? "?")")
            }
            print("\(key)=\(value)")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a setting; services go back to their environment or default.")
        @OptionGroup var connection: Connection
        @Argument(help: "<service>/<setting> or shared/<setting>") var key: String

        func run() async throws {
            let key = try connection.storeKey(key)
            _ = try await connection.send(.DELETE, key)
            print("deleted \(key)")
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a setting's value, then every change of it, as services see them.")
        @OptionGroup var connection: Connection
        @Argument(help: "<service>/<setting> or shared/<setting>") var key: String
        @Option(help: "Stop after this many changes (default: run until interrupted).") var changes: Int?

        func run() async throws {
            let key = try connection.storeKey(key)
            var index = "0", seen = 0
            var last: String?? = .none
            while changes.map({ seen <= $0 }) ?? true {
                let answer = try await connection.send(.GET, key, query: "?raw&index=\(index)&wait=60s", timeout: .seconds(75))
                let value: String? = answer.status == 200 ? answer.body : nil
                if last == .none || last! != value {
                    print(value.map { "\(key)=\($0)" } ?? "\(key) is not set")
                    if last != .none { seen += 1 }
                    last = .some(value)
                }
                if let changes, seen >= changes { return }
                // An index that went back (a registry on a new database) starts the watch again, as Consul's clients do.
                let next = answer.index ?? "0"
                index = (UInt64(next) ?? 0) < (UInt64(index) ?? 0) ? "0" : next
            }
        }
    }
}
