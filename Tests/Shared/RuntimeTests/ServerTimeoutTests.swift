#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TradewindRuntime

/// Slow and idle clients are cut off, as a reverse proxy would cut them off; a slow server is not.
@Suite struct ServerTimeoutTests {
    static let timeouts = ServerTimeouts(idle: .seconds(2), headerRead: .seconds(1), bodyRead: .seconds(1))

    /// A plain TCP client, so that the test can send half a request, which no HTTP client library does.
    final class RawConnection {
        let descriptor: Int32

        init(port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        }

        func send(_ text: String) {
            _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(descriptor, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
        }

        /// Reads until the server closes the connection or `limit` passes; what was read, when it closed, and how
        /// long it stayed open after the last bytes arrived. Reads blocking on a thread of its own (waking at least
        /// every 50 ms to check the limit), so that the tests running beside it keep the concurrency pool's threads
        /// and the close is timed when it happens, however loaded the machine.
        func readUntilClosed(within limit: Duration) async -> (text: String, closedAfter: Duration?, idleBeforeClose: Duration?) {
            let descriptor = self.descriptor
            let start = ContinuousClock.now
            return await withCheckedContinuation { continuation in
                Thread {
                    var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
                    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    var lastData = start
                    var text = ""
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    while ContinuousClock.now - start < limit {
                        let count = recv(descriptor, &buffer, buffer.count, 0)
                        if count > 0 {
                            text += String(decoding: buffer[0..<count], as: UTF8.self)
                            lastData = .now
                        } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                            let now = ContinuousClock.now
                            continuation.resume(returning: (text, now - start, now - lastData))
                            return
                        }
                    }
                    continuation.resume(returning: (text, nil, nil))
                }.start()
            }
        }

        deinit { close(descriptor) }
    }

    func withServer(_ test: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("/quick") { _, _ in "ok" }
        router.get("/slow") { _, _ -> String in
            try await Task.sleep(for: .milliseconds(2500))
            return "done"
        }
        router.post("/upload") { request, _ -> String in
            let body = try await request.body.collect(upTo: 1 << 20)
            return "\(body.readableBytes)"
        }
        let app = Application(router: router, server: Self.timeouts.server, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { (client: any TestClientProtocol) async throws in try await test(client.port!) }
    }

    @Test func aClientThatNeverFinishesItsRequestHeadIsCutOff() async throws {
        try await withServer { port in
            let connection = try RawConnection(port: port)
            connection.send("GET /quick HTTP/1.1\r\nHost: tradewind\r\nX-Slow: ")
            let (text, closedAfter, _) = await connection.readUntilClosed(within: .seconds(5))
            #expect(text.isEmpty)
            let closed = try #require(closedAfter, "the connection was still open after 5 s")
            #expect(closed >= .milliseconds(900) && closed < .seconds(3))
        }
    }

    @Test func aClientThatStallsInItsBodyIsCutOff() async throws {
        try await withServer { port in
            let connection = try RawConnection(port: port)
            connection.send("POST /upload HTTP/1.1\r\nHost: tradewind\r\nContent-Length: 100\r\n\r\n0123456789")
            let (_, closedAfter, _) = await connection.readUntilClosed(within: .seconds(5))
            let closed = try #require(closedAfter, "the connection was still open after 5 s")
            #expect(closed < .seconds(3))
        }
    }

    @Test func anIdleKeptAliveConnectionIsClosedAndABusyServerIsNot() async throws {
        try await withServer { port in
            let connection = try RawConnection(port: port)
            // The server takes longer than the read timeouts to answer: nothing is timed while it works.
            connection.send("GET /slow HTTP/1.1\r\nHost: tradewind\r\n\r\n")
            let (text, closedAfter, idleBeforeClose) = await connection.readUntilClosed(within: .seconds(8))
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(text.hasSuffix("done"))
            // Then idle: closed after the idle timeout (2 s), counted from the response.
            #expect(closedAfter != nil, "an idle connection was still open after 8 s")
            let idle = try #require(idleBeforeClose)
            #expect(idle >= .milliseconds(1800) && idle < .milliseconds(3000), "closed \(idle) after the response")
        }
    }
}
