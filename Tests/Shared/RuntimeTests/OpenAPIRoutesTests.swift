import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import OpenAPIRuntime
import Synchronization
import Testing
import TradewindRuntime

/// Generated handlers served through `OpenAPIRoutes` behind the middleware every service has (`ServiceHost`), over
/// a real socket: what the caller receives, and how many times the server flushed to write each answer.
@Suite struct OpenAPIRoutesTests {
    /// What a recorder found, shared by the connections' handlers and the test.
    final class Flushes: Sendable {
        let partsPerFlush = Mutex<[Int]>([])
        var recorded: [Int] { partsPerFlush.withLock { $0 } }
    }

    /// Records, for each flush that carried something, how many parts (head, body, end) were written before it.
    final class FlushRecorder: ChannelOutboundHandler, RemovableChannelHandler, @unchecked Sendable {
        typealias OutboundIn = Any  // passed on as it comes, never unwrapped
        let flushes: Flushes
        private var pending = 0

        init(_ flushes: Flushes) { self.flushes = flushes }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            pending += 1
            context.write(data, promise: promise)
        }

        func flush(context: ChannelHandlerContext) {
            if pending > 0 {
                let parts = pending
                flushes.partsPerFlush.withLock { $0.append(parts) }
            }
            pending = 0
            context.flush()
        }
    }

    func application(_ flushes: Flushes) async throws -> some ApplicationProtocol {
        let open = AccessPolicy(["GET /items/{id}": .open, "DELETE /items/{id}": .open, "POST /echo": .open, "GET /stream": .open, "GET /large": .open])
        let options = ServiceHost.Options(
            problemMapping: { _ in nil },
            verifier: AccessTokenVerifier(keys: LocalKeySource(await .ecdsa([("k1", ES256PrivateKey().publicKey)])), issuer: "issuer", audience: "tradewind"),
            accessPolicy: open, readiness: [], maximumBodyBytes: 1 << 16)
        let router = try ServiceHost.makeRouter(options, logger: Logger(label: "test"), routes: register)
        return Application(router: router, server: .http1(configuration: .init(additionalChannelHandlers: [FlushRecorder(flushes)])),
                           configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    func register(on router: Router<ServiceRequestContext>) throws {
        let routes = OpenAPIRoutes(router)
        try routes.register({ _, _, metadata in
            (HTTPResponse(status: .ok, headerFields: [.contentType: "application/json"]),
             HTTPBody("{\"id\":\"\(metadata.pathParameters["id"] ?? "")\"}"))
        }, method: .get, path: "/items/{id}")
        try routes.register({ _, body, _ in
            let received = try await [UInt8](collecting: body ?? HTTPBody(), upTo: 1 << 16)
            return (HTTPResponse(status: .created), HTTPBody(received))
        }, method: .post, path: "/echo")
        try routes.register({ _, _, _ in
            let chunks = AsyncStream<ArraySlice<UInt8>> { continuation in
                for word in ["one ", "two ", "three"] { continuation.yield(ArraySlice(word.utf8)) }
                continuation.finish()
            }
            return (HTTPResponse(status: .ok), HTTPBody(chunks, length: .unknown, iterationBehavior: .single))
        }, method: .get, path: "/stream")
        try routes.register({ _, _, _ in
            (HTTPResponse(status: .ok), HTTPBody([UInt8](repeating: UInt8(ascii: "x"), count: OpenAPIRoutes<ServiceRequestContext>.wholeBodyLimit + 1)))
        }, method: .get, path: "/large")
        try routes.register({ _, _, _ in (HTTPResponse(status: .noContent), nil) }, method: .delete, path: "/items/{id}")
    }

    func send(_ method: HTTPMethod, _ path: String, port: Int, body: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 2 << 20)))
    }

    @Test func aWholeBodyLeavesWithItsHeadInOneFlush() async throws {
        let flushes = Flushes()
        try await application(flushes).test(.live) { client in
            let port = try #require(client.port)
            let item = try await send(.GET, "/items/A-1", port: port)
            #expect(item.status == 200)
            #expect(item.body == #"{"id":"A-1"}"#)
            let echoed = try await send(.POST, "/echo", port: port, body: #"{"a":"request body"}"#)
            #expect(echoed.status == 201)
            #expect(echoed.body == #"{"a":"request body"}"#)
            #expect(try await send(.DELETE, "/items/A-1", port: port).status == 204)
            // One flush per answer, each with the head and the end (and the body, when there is one).
            let partsPerFlush = flushes.recorded
            #expect(partsPerFlush.count == 3)
            #expect(partsPerFlush.allSatisfy { $0 >= 2 })
        }
    }

    @Test func bodiesOfUnknownOrLargeLengthAreStillStreamed() async throws {
        let flushes = Flushes()
        try await application(flushes).test(.live) { client in
            let port = try #require(client.port)
            let streamed = try await send(.GET, "/stream", port: port)
            #expect(streamed.status == 200)
            #expect(streamed.body == "one two three")
            let large = try await send(.GET, "/large", port: port)
            #expect(large.status == 200)
            #expect(large.body.utf8.count == OpenAPIRoutes<ServiceRequestContext>.wholeBodyLimit + 1)
            // Head, body and end each flushed as they come.
            #expect(flushes.recorded.count > 2 * 2)
        }
    }
}
