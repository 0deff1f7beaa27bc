import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing
import TradewindRuntime

/// Body limits over a real socket, where a client may stream a body without announcing its length.
@Suite struct RequestBodyPolicyTests {
    func application() -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: ProblemMiddleware { _ in nil })
        router.add(middleware: RequestBodyPolicyMiddleware(maximumBytes: 1024))
        router.post("/echo") { request, _ -> Response in
            Response(status: .ok, body: .init(byteBuffer: try await request.body.collect(upTo: .max)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    func post(port: Int, bytes: Int, announced: Bool) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/echo")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes)
        // Without a length the client streams the body chunked.
        request.body = announced ? .bytes(payload) : .stream(AsyncStream { continuation in
            continuation.yield(payload)
            continuation.finish()
        }, length: .unknown)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test func bodiesOverTheLimitAre413WhetherAnnouncedOrStreamed() async throws {
        try await application().test(.live) { client in
            let port = try #require(client.port)
            #expect(try await post(port: port, bytes: 1000, announced: false).status == 200)
            let announced = try await post(port: port, bytes: 5000, announced: true)
            #expect(announced.status == 413)
            #expect(announced.body.contains("at most 1024 bytes"))
            let streamed = try await post(port: port, bytes: 5000, announced: false)
            #expect(streamed.status == 413)
            #expect(streamed.body.contains("at most 1024 bytes"))
        }
    }
}
