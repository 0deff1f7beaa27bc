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

/// Consul's KV API as the registry serves it, in-process on an in-memory SQLite database.
@Suite struct KeyValueAPITests {
    static let operatorToken = RegistryAPITests.operatorToken
    static let ordersToken = RegistryCredential.token(for: .service("order-service"), secret: RegistryAPITests.secret)
    static let index = HTTPField.Name("X-Consul-Index")!

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "registry-kv-test")
        logger.logLevel = .warning
        try await RegistryService.buildApplication(RegistryAPITests.configuration(), logger: logger).test(.router, test)
    }

    func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
              token: String? = Self.operatorToken) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[HTTPField.Name("X-Consul-Token")!] = token }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    func json(_ response: TestResponse) throws -> Any { try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView), options: [.fragmentsAllowed]) }

    @Test func putGetRawRecurseKeysAndDeleteLikeConsul() async throws {
        try await run { client in
            let put = try await send(client, .put, "/v1/kv/config/dev/order-service/log.level?flags=42", "debug")
            #expect(put.status == .ok && String(buffer: put.body) == "true")
            let read = try await send(client, .get, "/v1/kv/config/dev/order-service/log.level")
            let entries = try #require(try json(read) as? [[String: Any]])
            #expect(entries.count == 1 && entries[0]["Key"] as? String == "config/dev/order-service/log.level")
            #expect(entries[0]["Value"] as? String == Data("debug".utf8).base64EncodedString() && entries[0]["Flags"] as? Int == 42)
            let modifyIndex = try #require(entries[0]["ModifyIndex"] as? Int)
            #expect(read.headers[Self.index] == String(modifyIndex) && entries[0]["CreateIndex"] as? Int == modifyIndex)
            let raw = try await send(client, .get, "/v1/kv/config/dev/order-service/log.level?raw")
            #expect(String(buffer: raw.body) == "debug" && raw.headers[.contentType]?.hasPrefix("text/plain") == true)

            #expect(try await send(client, .put, "/v1/kv/config/dev/shared/cors%20origins", "").status == .ok)
            let listing = try #require(try json(try await send(client, .get, "/v1/kv/config/dev/?recurse")) as? [[String: Any]])
            #expect(listing.compactMap { $0["Key"] as? String } == ["config/dev/order-service/log.level", "config/dev/shared/cors origins"])
            #expect(listing[1]["Value"] is NSNull, "an empty value is null, as in Consul")
            let keys = try json(try await send(client, .get, "/v1/kv/config/?keys&separator=/")) as? [String]
            #expect(keys == ["config/dev/"])

            let missing = try await send(client, .get, "/v1/kv/config/dev/nothing")
            #expect(missing.status == .notFound && missing.headers[.contentType] == "application/problem+json")
            #expect(Int(missing.headers[Self.index] ?? "") ?? 0 >= modifyIndex, "a 404 carries the index, which Consul clients need")

            #expect(String(buffer: try await send(client, .delete, "/v1/kv/config/dev/?recurse").body) == "true")
            #expect(try await send(client, .get, "/v1/kv/config/dev/?recurse").status == .notFound)
        }
    }

    @Test func checkAndSetWritesOnlyOverTheIndexItNames() async throws {
        try await run { client in
            #expect(String(buffer: try await send(client, .put, "/v1/kv/config/dev/shared/switch?cas=0", "on").body) == "true")
            #expect(String(buffer: try await send(client, .put, "/v1/kv/config/dev/shared/switch?cas=0", "off").body) == "false")
            let index = try #require(Int(try await send(client, .get, "/v1/kv/config/dev/shared/switch").headers[Self.index] ?? ""))
            #expect(String(buffer: try await send(client, .put, "/v1/kv/config/dev/shared/switch?cas=\(index - 1)", "off").body) == "false")
            #expect(String(buffer: try await send(client, .put, "/v1/kv/config/dev/shared/switch?cas=\(index)", "off").body) == "true")
            #expect(String(buffer: try await send(client, .get, "/v1/kv/config/dev/shared/switch?raw").body) == "off")
            #expect(String(buffer: try await send(client, .delete, "/v1/kv/config/dev/shared/switch?cas=\(index)").body) == "false")
        }
    }

    @Test func aBlockingReadAnswersAsSoonAsTheKeyChanges() async throws {
        try await run { client in
            #expect(try await send(client, .put, "/v1/kv/config/dev/shared/limit", "10").status == .ok)
            let index = try #require(try await send(client, .get, "/v1/kv/config/dev/shared/limit").headers[Self.index])
            async let blocked = send(client, .get, "/v1/kv/config/dev/shared/limit?raw&index=\(index)&wait=30s", token: Self.ordersToken)
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            #expect(try await send(client, .put, "/v1/kv/config/dev/shared/limit", "20").status == .ok)
            let answer = try await blocked
            #expect(String(buffer: answer.body) == "20")
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func eachCallerSeesOnlyWhatItMayAndOnlyTheOperatorWrites() async throws {
        try await run { client in
            for key in ["config/dev/order-service/a", "config/dev/cart-service/b", "config/dev/shared/c"] {
                #expect(try await send(client, .put, "/v1/kv/\(key)", "v").status == .ok)
            }
            #expect(try await send(client, .get, "/v1/kv/config/dev/shared/c", token: nil).status == .forbidden)
            #expect(try await send(client, .get, "/v1/kv/config/dev/shared/c", token: "service.x.forged").status == .forbidden)
            #expect(try await send(client, .get, "/v1/kv/config/dev/cart-service/b", token: Self.ordersToken).status == .forbidden)
            let seen = try json(try await send(client, .get, "/v1/kv/config/?keys", token: Self.ordersToken)) as? [String]
            #expect(seen == ["config/dev/order-service/a", "config/dev/shared/c"])
            for (method, uri) in [(HTTPRequest.Method.put, "/v1/kv/config/dev/order-service/a"), (.delete, "/v1/kv/config/dev/order-service/a")] {
                let refused = try await send(client, method, uri, "w", token: Self.ordersToken)
                #expect(refused.status == .forbidden && refused.headers[.contentType] == "application/problem+json")
            }
            #expect(String(buffer: try await send(client, .get, "/v1/kv/config/dev/order-service/a?raw").body) == "v", "the refused writes changed nothing")
        }
    }

    @Test func badRequestsAreProblemsAndChangeNothing() async throws {
        try await run { client in
            let bad: [(HTTPRequest.Method, String, String?)] = [
                (.put, "/v1/kv/config/x?cas=minus", "v"), (.put, "/v1/kv/config/x?flags=-1", "v"), (.put, "/v1/kv/config/x?acquire=s", "v"),
                (.delete, "/v1/kv/config/?recurse&cas=3", nil), (.get, "/v1/kv/config/x?index=soon", nil), (.get, "/v1/kv/config/x?wait=forever", nil),
                (.put, "/v1/kv/", "v"), (.put, "/v1/kv/%2Fabsolute", "v"), (.put, "/v1/kv/bad%ZZ", "v"),
                (.put, "/v1/kv/config/big", String(repeating: "x", count: 512 * 1024 + 1)),
            ]
            for (method, uri, body) in bad {
                let response = try await send(client, method, uri, body)
                #expect(response.status.code / 100 == 4, "\(method) \(uri)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(method) \(uri)")
            }
            #expect(try json(try await send(client, .get, "/v1/kv/?keys")) as? [String] == [], "nothing was written")
        }
    }

    @Test func aSettingNoServiceCouldUseIsRefusedWhenWritten() async throws {
        try await run { client in
            for (key, value, mentioned) in [
                ("config/dev/order-service/log.level", "loudest", "log.level must be one of"),
                ("config/dev/shared/maintenance", "maybe", "on or off"),
                ("config/dev/gateway/route.orders.rateLimit.burst", "0", "1 or more"),
                ("config/dev/gateway/routes", "[]", "route table in JSON"),
            ] {
                let refused = try await send(client, .put, "/v1/kv/\(key)", value)
                #expect(refused.status == .unprocessableContent && refused.headers[.contentType] == "application/problem+json", "\(key)")
                #expect(String(buffer: refused.body).contains(mentioned), "\(String(buffer: refused.body))")
            }
            #expect(try json(try await send(client, .get, "/v1/kv/?keys")) as? [String] == [], "nothing was written")
            // A known setting of the right form, and a setting the catalog does not know, are stored.
            #expect(try await send(client, .put, "/v1/kv/config/dev/order-service/log.level", " Debug ").status == .ok)
            #expect(try await send(client, .put, "/v1/kv/config/dev/order-service/feature.x", "anything").status == .ok)
            #expect(try await send(client, .put, "/v1/kv/deploys/notes", "loudest").status == .ok, "keys outside config/ are not settings")
        }
    }
}
