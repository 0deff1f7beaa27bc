import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import Logging
import NIOCore
import Testing
import TradewindRuntime

/// A service that stops while its discovery waits in a blocking query says nothing about the registry: the query
/// ended because the service is stopping, not because the registry failed.
@Suite struct RegistryDiscoveryShutdownTests {
    /// A registry that knows no instances and, asked for changes after its index, has none for two seconds.
    static func quietRegistry() -> some ApplicationProtocol {
        let router = Router()
        router.get("/v1/health/service/:name") { request, _ -> Response in
            if (request.uri.queryParameters.get("index") ?? "0") != "0" { try await Task.sleep(for: .seconds(2)) }
            return Response(status: .ok, headers: [HTTPField.Name("X-Consul-Index")!: "1", .contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: "[]")))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func stoppingDuringABlockingQueryLogsNoWarning() async throws {
        try await Self.quietRegistry().test(.live) { client in
            let port = try #require(client.port)
            let logs = InMemoryLogHandler()
            let logger = Logger(label: "discovery-test") { _ in logs }
            let discovery = RegistryDiscovery(registryURL: "http://127.0.0.1:\(port)", wait: .seconds(20), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await discovery.run() }
                #expect(await discovery.endpoints(of: "user-service").isEmpty)
                // The watch now waits in its next query, which the registry holds.
                try await Task.sleep(for: .milliseconds(300))
                group.cancelAll()
                try await group.waitForAll()
            }
            #expect(logs.entries.filter { $0.level >= .warning }.map { "\($0.message)" } == [])
        }
    }
}
