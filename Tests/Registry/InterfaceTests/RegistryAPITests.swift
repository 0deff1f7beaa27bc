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

@Suite struct RegistryAPITests {
    static let token = "registry-test-token-0123456789"
    let clock = TestClock()

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "registry-test")
        logger.logLevel = .warning
        let configuration = RegistryService.Configuration(
            runtime: RuntimeSettings(serviceName: "registry", port: 0, database: .sqliteInMemory), token: Self.token, sweepInterval: .milliseconds(20)
        )
        try await RegistryService.buildApplication(configuration, clock: clock, logger: logger).test(.router, test)
    }

    static let registration = #"{"ID":"user-1","Name":"user","Address":"127.0.0.1","Port":8081,"Tags":["v1"],"Meta":{"version":"1.0"},"Check":{"TTL":"10s","DeregisterCriticalServiceAfter":"1m"}}"#

    func put(_ client: any TestClientProtocol, _ uri: String, _ body: String? = nil, token: String? = Self.token) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[HTTPField.Name("X-Consul-Token")!] = token }
        return try await client.execute(uri: uri, method: .put, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    @Test func registerQueryHeartbeatAndDeregisterLikeConsul() async throws {
        try await run { client in
            #expect(try await put(client, "/v1/agent/service/register", Self.registration).status == .ok)
            let health = try await client.execute(uri: "/v1/health/service/user?passing", method: .get)
            #expect(health.status == .ok)
            #expect(Int(health.headers[HTTPField.Name("X-Consul-Index")!] ?? "") ?? 0 > 1)
            let entries = try JSONSerialization.jsonObject(with: Data(health.body.readableBytesView)) as? [[String: Any]]
            let service = entries?.first?["Service"] as? [String: Any]
            #expect(service?["Address"] as? String == "127.0.0.1")
            #expect(service?["Port"] as? Int == 8081)
            #expect(service?["Meta"] as? [String: String] == ["version": "1.0"])
            let catalog = try await client.execute(uri: "/v1/catalog/services", method: .get)
            #expect(String(buffer: catalog.body) == #"{"user":["v1"]}"#)
            #expect(try await put(client, "/v1/agent/check/pass/service:user-1").status == .ok)
            #expect(try await put(client, "/v1/agent/service/deregister/user-1").status == .ok)
            #expect(try await put(client, "/v1/agent/check/pass/service:user-1").status == .notFound)
        }
    }

    @Test func writesNeedTheRegistryToken() async throws {
        try await run { client in
            #expect(try await put(client, "/v1/agent/service/register", Self.registration, token: nil).status == .unauthorized)
            #expect(try await put(client, "/v1/agent/service/register", Self.registration, token: "wrong-token-wrong-token").status == .forbidden)
            let health = try await client.execute(uri: "/v1/health/service/user", method: .get)
            #expect(String(buffer: health.body) == "[]")
        }
    }

    @Test(arguments: [
        (#"{"Name":"user","Port":8081}"#, "TTL"),
        (#"{"Port":8081,"Check":{"TTL":"10s"}}"#, "Name"),
        (#"{"Name":"user","Port":0,"Check":{"TTL":"10s"}}"#, "port"),
        (#"{"Name":"User Service","Port":8081,"Check":{"TTL":"10s"}}"#, "service name"),
        (#"{"Name":"user","Port":8081,"Check":{"TTL":"soon"}}"#, "duration"),
        (#"{"Name":"user","Port":"eighty","Check":{"TTL":"10s"}}"#, "Port"),
    ])
    func badRegistrationsAreClientErrors(_ body: String, _ mentioned: String) async throws {
        try await run { client in
            let response = try await put(client, "/v1/agent/service/register", body)
            #expect((400..<500).contains(response.status.code))
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(String(buffer: response.body).contains(mentioned), "\(String(buffer: response.body))")
        }
    }

    @Test func aBlockingQueryAnswersWhenAnInstanceExpires() async throws {
        try await run { client in
            _ = try await put(client, "/v1/agent/service/register", Self.registration)
            let first = try await client.execute(uri: "/v1/health/service/user?passing", method: .get)
            let index = try #require(first.headers[HTTPField.Name("X-Consul-Index")!])
            clock.advance(by: 11)
            let next = try await client.execute(uri: "/v1/health/service/user?passing&index=\(index)&wait=20s", method: .get)
            #expect(String(buffer: next.body) == "[]")
            #expect(next.headers[HTTPField.Name("X-Consul-Index")!] != index)
        }
    }
}
