import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import GatewayInterface

/// A connection that goes away before it says which HTTP it speaks must not leave anyone waiting for it: a promise
/// left unfulfilled is a task that waits for ever (and, in a debug build, a crash of the whole process).
@Suite struct ConnectionSetupTests {
    static func openChannel() async throws -> any Channel {
        try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    }

    @Test func aConnectionClosedBeforeItsSetupFailsTheSetup() async throws {
        let channel = try await Self.openChannel()
        try await channel.close()
        let connection = PlaintextHTTPChannel(
            http1: HTTP1Channel(responder: { _, _, _ in }), http2: HTTP2Channel(responder: { _, _, _ in }), headerRead: .seconds(5)
        )
        await #expect(throws: (any Error).self) {
            _ = try await channel.eventLoop.flatSubmit { connection.setup(channel: channel, logger: Logger(label: "test")) }.get()
        }
    }

    @Test func aDetectorRemovedUndecidedReportsTheConnectionGone() async throws {
        let channel = try await Self.openChannel()
        let failures = Mutex(0), decisions = Mutex(0)
        let detector = HTTP2PrefaceDetector(timeout: .seconds(5)) { _ in decisions.withLock { $0 += 1 } } failed: { _ in failures.withLock { $0 += 1 } }
        try await channel.eventLoop.submit { try channel.pipeline.syncOperations.addHandler(detector) }.get()
        try await channel.pipeline.removeHandler(detector).get()
        #expect(failures.withLock { $0 } == 1)
        #expect(decisions.withLock { $0 } == 0)
        try await channel.close()
        #expect(failures.withLock { $0 } == 1, "reported once")
    }
}
