import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import RegistryDomain
import RegistryServer
import Synchronization
import Testing
import TradewindRuntime
import TradewindTesting

@Suite struct RegistryAPITests {
    static let secret = "registry-test-secret-0123456789-abcdefgh"
    static let userToken = RegistryCredential.token(for: .service("user"), secret: secret)
    static let cartToken = RegistryCredential.token(for: .service("cart-service"), secret: secret)
    static let operatorToken = RegistryCredential.token(for: .operator, secret: secret)
    let clock = TestClock()

    /// Answers every HTTP and TCP check with what the test says.
    final class ScriptedProber: HealthProber {
        let answer = Mutex(HealthStatus.critical)
        func probe(_ probe: Catalog.Probe) async -> ProbeResult { ProbeResult(status: answer.withLock { $0 }, output: "scripted \(probe.checkID)") }
    }

    static func configuration(port: Int = 0) -> RegistryService.Configuration {
        RegistryService.Configuration(
            runtime: RuntimeSettings(serviceName: "registry", port: port, database: .sqliteInMemory), secret: secret, sweepInterval: .milliseconds(20)
        )
    }

    func run(prober: ScriptedProber = ScriptedProber(), _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "registry-test")
        logger.logLevel = .warning
        try await RegistryService.buildApplication(Self.configuration(), clock: clock, prober: prober, logger: logger).test(.router, test)
    }

    static let registration = #"{"ID":"user-1","Name":"user","Address":"127.0.0.1","Port":8081,"Tags":["v1"],"Meta":{"Version":"1.0"},"Check":{"TTL":"10s","DeregisterCriticalServiceAfter":"1m","Status":"passing"}}"#

    /// A body sent as py-consul and curl scripts send it: no `Content-Type` unless asked.
    func put(_ client: any TestClientProtocol, _ uri: String, _ body: String? = nil, token: String? = Self.userToken, contentType: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        if let token { headers[HTTPField.Name("X-Consul-Token")!] = token }
        return try await client.execute(uri: uri, method: .put, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    func json(_ response: TestResponse) throws -> Any { try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView), options: [.fragmentsAllowed]) }

    @Test func registerQueryReportAndDeregisterLikeConsul() async throws {
        try await run { client in
            #expect(try await put(client, "/v1/agent/service/register", Self.registration, contentType: "application/json").status == .ok)
            let health = try await client.execute(uri: "/v1/health/service/user?passing", method: .get)
            #expect(health.status == .ok)
            #expect(Int(health.headers[HTTPField.Name("X-Consul-Index")!] ?? "") ?? 0 > 1)
            let entries = try json(health) as? [[String: Any]]
            let service = entries?.first?["Service"] as? [String: Any]
            #expect(service?["Address"] as? String == "127.0.0.1")
            #expect(service?["Port"] as? Int == 8081)
            #expect(service?["Meta"] as? [String: String] == ["Version": "1.0"], "user map keys keep their case")
            let checks = entries?.first?["Checks"] as? [[String: Any]]
            #expect(checks?.first?["CheckID"] as? String == "service:user-1")
            #expect(checks?.first?["Status"] as? String == "passing")
            let catalog = try await client.execute(uri: "/v1/catalog/services", method: .get)
            #expect(String(buffer: catalog.body) == #"{"user":["v1"]}"#)
            #expect(try await put(client, "/v1/agent/check/pass/service:user-1").status == .ok)
            #expect(try await put(client, "/v1/agent/service/deregister/user-1").status == .ok)
            #expect(try await put(client, "/v1/agent/check/pass/service:user-1").status == .notFound)
        }
    }

    /// What py-consul 1.8 sends: lower-case keys, `checks` as a list, no `Content-Type`.
    @Test func lowerCaseKeysWithoutContentTypeAndAChecksListAreAccepted() async throws {
        try await run { client in
            let body = #"{"name":"web","id":"web-1","address":"10.0.0.7","port":80,"tags":["a"],"checks":[{"ttl":"3s"},{"http":"http://10.0.0.7/health","interval":"5s","timeout":"1s","DeregisterCriticalServiceAfter":"1m"}]}"#
            #expect(try await put(client, "/v1/agent/service/register", body, token: Self.operatorToken).status == .ok)
            let checks = try json(try await client.execute(uri: "/v1/agent/checks", method: .get)) as? [String: [String: Any]]
            #expect(checks?.keys.sorted() == ["service:web-1:1", "service:web-1:2"])
            #expect(checks?["service:web-1:1"]?["Type"] as? String == "ttl")
            #expect(checks?["service:web-1:2"]?["Type"] as? String == "http")
            #expect(checks?["service:web-1:2"]?["Interval"] as? String == "5s")
            #expect(checks?["service:web-1:1"]?["Status"] as? String == "critical", "checks start critical unless told, as in Consul")
            let services = try json(try await client.execute(uri: "/v1/agent/services", method: .get)) as? [String: [String: Any]]
            #expect(services?["web-1"]?["Service"] as? String == "web")
            #expect(services?["web-1"]?["Port"] as? Int == 80)
        }
    }

    @Test func ttlReportsPassWarnAndFailWithNotes() async throws {
        try await run { client in
            let body = #"{"Name":"user","ID":"user-1","Port":8081,"Check":{"TTL":"10s"}}"#
            #expect(try await put(client, "/v1/agent/service/register", body).status == .ok)
            #expect((try json(try await client.execute(uri: "/v1/health/service/user?passing", method: .get)) as? [Any])?.isEmpty == true)
            #expect(try await put(client, "/v1/agent/check/pass/service:user-1").status == .ok)
            #expect((try json(try await client.execute(uri: "/v1/health/service/user?passing", method: .get)) as? [Any])?.count == 1)
            #expect(try await put(client, "/v1/agent/check/warn/service:user-1?note=slow%20disk").status == .ok)
            let warned = try json(try await client.execute(uri: "/v1/health/service/user", method: .get)) as? [[String: Any]]
            let check = (warned?.first?["Checks"] as? [[String: Any]])?.first
            #expect(check?["Status"] as? String == "warning")
            #expect(check?["Output"] as? String == "slow disk")
            #expect(try await put(client, "/v1/agent/check/update/service:user-1", #"{"Status":"critical","Output":"out of memory"}"#).status == .ok)
            let failed = try json(try await client.execute(uri: "/v1/agent/checks", method: .get)) as? [String: [String: Any]]
            #expect(failed?["service:user-1"]?["Status"] as? String == "critical")
        }
    }

    @Test func anHTTPCheckFollowsWhatTheRegistryProbes() async throws {
        let prober = ScriptedProber()
        try await run(prober: prober) { (client: any TestClientProtocol) async throws in
            let body = #"{"Name":"user","ID":"user-1","Port":8081,"Check":{"HTTP":"http://127.0.0.1:8081/health/ready","Interval":"1s"}}"#
            #expect(try await put(client, "/v1/agent/service/register", body).status == .ok)
            prober.answer.withLock { $0 = .passing }
            #expect(try await eventually { (try json(try await client.execute(uri: "/v1/health/service/user?passing", method: .get)) as? [Any])?.count == 1 })
            // Only TTL checks take reports.
            #expect(try await put(client, "/v1/agent/check/fail/service:user-1").status == .conflict)
        }
    }

    @Test func onlyAServiceRegistersItself() async throws {
        try await run { client in
            // No token, a token of another registry, a bearer token that is no registry token.
            #expect(try await put(client, "/v1/agent/service/register", Self.registration, token: nil).status == .forbidden)
            let foreign = RegistryCredential.token(for: .service("user"), secret: "another-registry-secret-0123456789-xyz")
            #expect(try await put(client, "/v1/agent/service/register", Self.registration, token: foreign).status == .forbidden)
            #expect(try await put(client, "/v1/agent/service/register", Self.registration, token: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln").status == .forbidden)
            // cart-service's token cannot register user, nor replace, report on or deregister user's instance.
            let refused = try await put(client, "/v1/agent/service/register", Self.registration, token: Self.cartToken)
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("may not register instances of 'user'"))
            #expect(try await put(client, "/v1/agent/service/register", Self.registration).status == .ok)
            let takeover = #"{"ID":"user-1","Name":"cart-service","Address":"203.0.113.9","Port":443}"#
            #expect(try await put(client, "/v1/agent/service/register", takeover, token: Self.cartToken).status == .forbidden)
            #expect(try await put(client, "/v1/agent/service/deregister/user-1", token: Self.cartToken).status == .forbidden)
            #expect(try await put(client, "/v1/agent/check/fail/service:user-1", token: Self.cartToken).status == .forbidden)
            let entries = try json(try await client.execute(uri: "/v1/health/service/user?passing", method: .get)) as? [[String: Any]]
            #expect((entries?.first?["Service"] as? [String: Any])?["Address"] as? String == "127.0.0.1")
            // Consul's other places for a token: a bearer header and ?token=.
            let bearer = try await client.execute(uri: "/v1/agent/check/pass/service:user-1", method: .put, headers: [.authorization: "Bearer \(Self.userToken)"])
            #expect(bearer.status == .ok)
            #expect(try await put(client, "/v1/agent/check/pass/service:user-1?token=\(Self.userToken)", token: nil).status == .ok)
            // A settings reader (the gateway's token) changes nothing, not even an instance of its own name.
            let reader = RegistryCredential.token(for: .settingsReader("user"), secret: Self.secret)
            #expect(try await put(client, "/v1/agent/service/register", Self.registration, token: reader).status == .forbidden)
            #expect(try await put(client, "/v1/agent/check/fail/service:user-1", token: reader).status == .forbidden)
            // The operator may remove any instance.
            #expect(try await put(client, "/v1/agent/service/deregister/user-1", token: Self.operatorToken).status == .ok)
        }
    }

    @Test(arguments: [
        (#"{"Name":"user"}"#, "Port is required"),
        (#"{"Port":8081,"Check":{"TTL":"10s"}}"#, "Name is required"),
        (#"{"Name":"user","Port":0,"Check":{"TTL":"10s"}}"#, "port"),
        (#"{"Name":"User Service","Port":8081,"Check":{"TTL":"10s"}}"#, "service name"),
        (#"{"Name":"user","Port":8081,"Check":{"TTL":"soon"}}"#, "TTL 'soon' is not a duration"),
        (#"{"Name":"user","Port":"eighty","Check":{"TTL":"10s"}}"#, "Port must be a whole number"),
        (#"{"Name":"user","Port":8081,"Check":{"HTTP":"http://x/health"}}"#, "Interval is required"),
        (#"{"Name":"user","Port":8081,"Check":{"GRPC":"x:1","Interval":"5s"}}"#, "GRPC checks are not supported"),
        (#"{"Name":"user","Port":8081,"Check":{"TCP":"nowhere","Interval":"5s"}}"#, "host:port"),
        (#"{"Name":"user","Port":8081,"Check":{"TTL":"10s","Status":"fine"}}"#, "Status must be"),
        (#"{"Name":"user","Port":8081,"Checks":[{"TTL":"1s"},{}]}"#, "one of TTL, HTTP or TCP"),
        (#"{"Name":"user","#, "not valid JSON"),
    ])
    func badRegistrationsAreClientErrors(_ body: String, _ mentioned: String) async throws {
        try await run { client in
            let response = try await put(client, "/v1/agent/service/register", body)
            #expect((400..<500).contains(response.status.code))
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(String(buffer: response.body).contains(mentioned), "\(String(buffer: response.body))")
            #expect(String(buffer: try await client.execute(uri: "/v1/catalog/services", method: .get).body) == "{}")
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

    @Test func tagsDatacentersAndTheCatalogView() async throws {
        try await run { client in
            _ = try await put(client, "/v1/agent/service/register", Self.registration)
            #expect((try json(try await client.execute(uri: "/v1/health/service/user?tag=v1", method: .get)) as? [Any])?.count == 1)
            // HashiCorp's Go client (go-kit, go-micro) asks for healthy instances with passing=1.
            #expect((try json(try await client.execute(uri: "/v1/health/service/user?passing=1&tag=v1", method: .get)) as? [Any])?.count == 1)
            #expect((try json(try await client.execute(uri: "/v1/health/service/user?tag=v1&tag=v2", method: .get)) as? [Any])?.count == 0)
            let catalog = try json(try await client.execute(uri: "/v1/catalog/service/user?tag=v1&dc=dc1", method: .get)) as? [[String: Any]]
            #expect(catalog?.first?["ServiceID"] as? String == "user-1")
            #expect(catalog?.first?["ServicePort"] as? Int == 8081)
            #expect(catalog?.first?["Datacenter"] as? String == "dc1")
            let elsewhere = try await client.execute(uri: "/v1/health/service/user?dc=eu-west", method: .get)
            #expect(elsewhere.status == .notFound)
            #expect(String(buffer: elsewhere.body).contains("no datacenter 'eu-west'"))
            #expect(try await client.execute(uri: "/v1/health/service/user?filter=Service.Port%3D%3D1", method: .get).status == .badRequest)
            let agent = try json(try await client.execute(uri: "/v1/agent/self", method: .get)) as? [String: Any]
            #expect((agent?["Config"] as? [String: Any])?["Datacenter"] as? String == "dc1")
            #expect(try json(try await client.execute(uri: "/v1/catalog/datacenters", method: .get)) as? [String] == ["dc1"])
            #expect(try json(try await client.execute(uri: "/v1/status/leader", method: .get)) as? String == "127.0.0.1:0")
        }
    }

    @Test func unknownConsulEndpointsAndWrongMethodsAreNamed() async throws {
        try await run { client in
            let sessions = try await client.execute(uri: "/v1/session/list", method: .get)
            #expect(sessions.status == .notFound)
            #expect(sessions.headers[.contentType] == "application/problem+json")
            #expect(String(buffer: sessions.body).contains("GET /v1/health/service/{name}") && String(buffer: sessions.body).contains("PUT /v1/kv/**"))
            let put = try await client.execute(uri: "/v1/acl/token", method: .put)
            #expect(put.status == .notFound)
            let wrongMethod = try await client.execute(uri: "/v1/agent/service/register", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "PUT")
        }
    }

    @Test func theRegistryNeedsItsSecretAndRefusesTheOldSharedToken() {
        func problem(_ variables: [String: String]) -> String {
            do {
                _ = try RegistryService.Configuration.load(from: ServiceEnvironment(variables))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem(["REGISTRY_TOKEN": "an-old-shared-token-0123456789", "REGISTRY_SECRET": Self.secret]).contains("REGISTRY_TOKEN is no longer read by the registry"))
        #expect(problem(["REGISTRY_SECRET": "too-short"]).contains("REGISTRY_SECRET is too short to be a secret (9 characters, at least 32)"))
        #expect(problem(["REGISTRY_SECRET": "change-me-registry-secret-0123456789"]).contains("REGISTRY_SECRET is a placeholder"))
        #expect(problem(["REGISTRY_SECRET": Self.secret, "REGISTRY_DATACENTER": "eu west"]).contains("REGISTRY_DATACENTER"))
        #expect(problem(["REGISTRY_SECRET": Self.secret, "REGISTRY_DATACENTER": "eu-west-1"]) == "accepted")
    }

    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<300 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
