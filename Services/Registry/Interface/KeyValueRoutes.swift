import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RegistryApplication
import RegistryDomain
import ServiceLifecycle
import TradewindRuntime

/// Consul's KV endpoints, `GET|PUT|DELETE /v1/kv/<key>`, over the registry's ``KeyValueStore``: `?raw`, `?recurse`,
/// `?keys` with `&separator`, `?cas`, `?flags`, and blocking reads with `?index` and `?wait`. Every request needs a
/// registry token; a service reads its own and the shared configuration, the operator reads and writes all.
enum KeyValueRoutes {
    static let paths = ["/v1/kv", "/v1/kv/**"]

    static func register(_ store: KeyValueStore, identify: TokenIdentification, on router: Router<ServiceRequestContext>) {
        for path in paths {
            router.get(RouterPath(path)) { request, _ -> Response in
                let registrant = try identify(request, purpose: "reading the key/value store")
                let key = try key(of: request)
                let query = request.uri.queryParameters
                let read: KeyValueStore.Read
                if query["keys"] != nil {
                    read = .keys(prefix: key, separator: query["separator"].map(String.init))
                } else if query["recurse"] != nil {
                    read = .prefix(key)
                } else {
                    read = .key(key)
                }
                let (index, wait) = try RegistryRoutes.blocking(request)
                // A graceful shutdown answers blocked reads at once rather than waiting out their wait.
                let (answerIndex, answer) = try await withGracefulShutdownHandler {
                    try await store.read(read, by: registrant, after: index, wait: wait)
                } onGracefulShutdown: {
                    Task { await store.releaseWaiters() }
                }
                switch answer {
                case .keys(let keys):
                    return try RegistryRoutes.json(keys, index: answerIndex)
                case .entries(let entries):
                    guard !entries.isEmpty else {
                        var problem = Problem.notFound(read == .key(key) ? "no key '\(key.prefix(128))'" : "no key under '\(key.prefix(128))'")
                        problem.headers[indexHeader] = String(answerIndex)
                        throw problem
                    }
                    if query["raw"] != nil, read == .key(key), let entry = entries.first {
                        let headers: HTTPFields = [
                            .contentType: "text/plain; charset=utf-8", indexHeader: String(answerIndex),
                            HTTPField.Name("X-Content-Type-Options")!: "nosniff", .contentSecurityPolicy: "sandbox",
                        ]
                        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: entry.value)))
                    }
                    return try RegistryRoutes.json(entries.map(KeyValueView.init), index: answerIndex)
                }
            }

            router.put(RouterPath(path)) { request, _ -> Response in
                let registrant = try identify(request, purpose: "writing the key/value store")
                let key = try key(of: request)
                let query = request.uri.queryParameters
                for unsupported: Substring in ["acquire", "release"] where query[unsupported] != nil {
                    throw Problem.badRequest("?\(unsupported) (sessions and locks) is not supported by this registry")
                }
                var flags: UInt64 = 0
                if let raw = query["flags"] {
                    guard let value = UInt64(raw) else { throw Problem.validation("flags must be a whole number from 0 to \(UInt64.max)") }
                    flags = value
                }
                let body: ByteBuffer
                do {
                    body = try await request.body.collect(upTo: KeyValueEntry.maximumValueBytes)
                } catch is NIOTooManyBytesError {
                    throw Problem("content-too-large", title: "Request body too large", status: .contentTooLarge,
                                  detail: "a value is at most \(KeyValueEntry.maximumValueBytes) bytes")
                }
                let written = try await store.put(key, value: Array(body.readableBytesView), flags: flags, if: try condition(request), by: registrant)
                return try RegistryRoutes.json(written, index: nil)
            }

            router.delete(RouterPath(path)) { request, _ -> Response in
                let registrant = try identify(request, purpose: "deleting from the key/value store")
                let key = try key(of: request)
                let recursive = request.uri.queryParameters["recurse"] != nil
                let condition = try condition(request)
                if recursive && condition != nil { throw Problem.badRequest("?cas cannot be combined with ?recurse") }
                return try RegistryRoutes.json(try await store.delete(key, recursive: recursive, if: condition, by: registrant), index: nil)
            }
        }
    }

    static let indexHeader = HTTPField.Name("X-Consul-Index")!

    /// The key is the path after `/v1/kv/`, percent-decoded.
    static func key(of request: Request) throws -> String {
        let path = request.uri.path
        let raw = path.hasPrefix("/v1/kv/") ? String(path.dropFirst("/v1/kv/".count)) : ""
        guard let key = raw.removingPercentEncoding else { throw Problem.badRequest("the key is not valid percent-encoded UTF-8") }
        return key
    }

    static func condition(_ request: Request) throws -> CheckAndSet? {
        guard let raw = request.uri.queryParameters["cas"] else { return nil }
        guard let index = UInt64(raw) else { throw Problem.validation("cas must be a ModifyIndex, a whole number (0: only if the key does not exist)") }
        return CheckAndSet(index)
    }
}

/// An entry as Consul lists it: the value in base64 (`null` when empty).
struct KeyValueView: Encodable {
    let LockIndex: UInt64
    let Key: String
    let Flags: UInt64
    let Value: String?
    let CreateIndex: UInt64
    let ModifyIndex: UInt64

    init(_ entry: KeyValueEntry) {
        LockIndex = 0
        Key = entry.key
        Flags = entry.flags
        Value = entry.value.isEmpty ? nil : Data(entry.value).base64EncodedString()
        CreateIndex = entry.createIndex
        ModifyIndex = entry.modifyIndex
    }

    private enum CodingKeys: String, CodingKey { case LockIndex, Key, Flags, Value, CreateIndex, ModifyIndex }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(LockIndex, forKey: .LockIndex)
        try container.encode(Key, forKey: .Key)
        try container.encode(Flags, forKey: .Flags)
        try container.encode(Value, forKey: .Value)
        try container.encode(CreateIndex, forKey: .CreateIndex)
        try container.encode(ModifyIndex, forKey: .ModifyIndex)
    }
}
