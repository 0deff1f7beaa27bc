import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import RegistryServer
import Testing
import TradewindRuntime
import TradewindTesting

/// The runtime's discovery client against a real registry process-in-a-socket on 127.0.0.1.
@Suite struct RegistryDiscoveryTests {
    @Test func aWatchSeesRegistrationsAndRemovalsWithoutPolling() async throws {
        let logger = { var logger = Logger(label: "discovery-test"); logger.logLevel = .warning; return logger }()
        let configuration = RegistryAPITests.configuration()
        try await RegistryService.buildApplication(configuration, logger: logger).test(.live) { client in
            let port = try #require(client.port)
            let discovery = RegistryDiscovery(registryURL: "http://127.0.0.1:\(port)", wait: .seconds(10), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await discovery.run() }
                defer { group.cancelAll() }

                #expect(await discovery.endpoints(of: "user").isEmpty)
                let headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("X-Consul-Token")!: RegistryAPITests.userToken]
                _ = try await client.execute(uri: "/v1/agent/service/register", method: .put, headers: headers, body: ByteBuffer(string: RegistryAPITests.registration))
                #expect(try await Self.eventually { await discovery.endpoints(of: "user") == [ServiceEndpoint(id: "user-1", host: "127.0.0.1", port: 8081)] })

                // The same instance registered again by a new process: same id, a new incarnation.
                let restarted = RegistryAPITests.registration.replacingOccurrences(of: #""Meta":{"Version":"1.0"}"#, with: #""Meta":{"Version":"1.0","incarnation":"second"}"#)
                _ = try await client.execute(uri: "/v1/agent/service/register", method: .put, headers: headers, body: ByteBuffer(string: restarted))
                #expect(try await Self.eventually { await discovery.endpoints(of: "user").map(\.incarnation) == ["second"] })

                _ = try await client.execute(uri: "/v1/agent/service/deregister/user-1", method: .put, headers: headers)
                #expect(try await Self.eventually { await discovery.endpoints(of: "user").isEmpty })
            }
        }
    }

    /// Checks `condition` every 10 ms for up to 2 s: the watch should answer in milliseconds, far below its 10 s wait.
    static func eventually(_ condition: () async -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
