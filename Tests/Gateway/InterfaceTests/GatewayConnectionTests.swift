import Foundation
import HummingbirdTesting
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// How clients connect: HTTP/2 with prior knowledge and HTTP/1.1 keep-alive, checked with curl, and HTTP/1.1
/// pipelining of proxied and local requests on one connection.
@Suite struct GatewayConnectionTests {
    typealias Harness = GatewayHarness

    @Test func curlSpeaksHTTP2WithPriorKnowledgeAndHTTP1KeepAliveOnTheSamePort() async throws {
        guard Curl.isAvailable else {
            Issue.record("curl is needed as the reference HTTP/2 client (.ci/run installs it)")
            return
        }
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            let http2 = try await Curl.run([
                "--http2-prior-knowledge", "-H", "x-request-id: over-h2", "-w", "\n%{http_version} %{http_code}", "\(base)/api/users/7?page=2",
            ])
            let lines = http2.split(separator: "\n")
            #expect(lines.last == "2 200", "\(http2)")
            let echo = try JSONDecoder().decode(Upstream.Echo.self, from: Data(String(lines.first ?? "").utf8))
            #expect(echo.target == "/users/7?page=2")
            #expect(echo.requestID == "over-h2")
            #expect(echo.forwardedFor == "127.0.0.1")

            let local = try await Curl.run(["--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "\(base)/health/live"])
            #expect(local == "2 200")

            // Three requests, one connection: proxied, local, proxied.
            let sequence = try await Curl.run([
                "--http1.1", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\n",
                "\(base)/api/users/1", "\(base)/health/live", "\(base)/api/users/2",
            ])
            #expect(sequence == "200 1\n200 0\n200 0\n")
        }
        #expect(upstream.hits.withLock { $0 } == 3)
        await upstream.stop()
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWhicheverServesThem() async throws {
        let upstream = Upstream("a")
        let url = try await upstream.start()
        try await Harness.withGateway(upstreams: [url]) { client in
            let requests = [
                "GET /api/users/first HTTP/1.1\r\nHost: gw\r\n\r\n",
                "GET /health/live HTTP/1.1\r\nHost: gw\r\n\r\n",
                "POST /api/users/third HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhello",
                "GET /nowhere HTTP/1.1\r\nHost: gw\r\n\r\n",
                // An answer to HEAD has no body whatever its Content-Length says; the next answer must still frame.
                "HEAD /api/users/big HTTP/1.1\r\nHost: gw\r\n\r\n",
                "GET /api/users/last HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n",
            ].joined()
            let answer = try await RawHTTP.exchange(port: client.port!, sending: requests)
            let markers = ["users\\/first", #"{"status":"up"}"#, "users\\/third", "HTTP/1.1 404", "Content-Length: 2000000", "users\\/last"]
            let positions = markers.map { answer.range(of: $0)?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil }, "\(answer)")
            let found = positions.compactMap { $0 }
            #expect(found == found.sorted(), "answers out of order: \(answer)")
            #expect(answer.components(separatedBy: "HTTP/1.1 ").count - 1 == 6)
            #expect(answer.contains(#""bodyBytes":5"#))
        }
        await upstream.stop()
    }
}

/// Runs curl, the reference HTTP client, without blocking a thread of the test pool.
enum Curl {
    static let path = ["/usr/bin/curl", "/usr/local/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isAvailable: Bool { path != nil }

    static func run(_ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = ["-s", "--max-time", "10"] + arguments
        let output = Pipe()
        process.standardOutput = output
        let finished = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in finished.continuation.finish() }
        try process.run()
        let data = try await Task.detached { try output.fileHandleForReading.readToEnd() ?? Data() }.value
        for await _ in finished.stream {}
        #expect(process.terminationStatus == 0, "curl \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        return String(decoding: data, as: UTF8.self)
    }
}

/// Writes bytes on a fresh connection and reads until the server closes it; after 10 s, what has arrived so far.
enum RawHTTP {
    static func exchange(port: Int, sending text: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let received = Mutex("")
        let closer = Task {
            try await Task.sleep(for: .seconds(10))
            try await channel.channel.close()
        }
        try? await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: text))
            for try await chunk in inbound { received.withLock { $0 += String(buffer: chunk) } }
        }
        closer.cancel()
        return received.withLock { $0 }
    }
}
