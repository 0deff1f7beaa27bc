import Foundation
import Synchronization
import Testing
@testable import tradewind

/// `tradewind up` relays every service's output with the service's name in front of each line.
@Suite struct LinePrefixerTests {
    final class Written: Sendable {
        let writes = Mutex<[String]>([])
        func append(_ data: Data) { writes.withLock { $0.append(String(decoding: data, as: UTF8.self)) } }
        var all: [String] { writes.withLock { $0 } }
    }

    @Test func completeLinesOfAChunkGoOutInOneWriteAndAPartialLineWaitsForItsEnd() {
        let written = Written()
        let prefixer = LinePrefixer(prefix: "[order]") { written.append($0) }
        prefixer.write(Data("first\nsecond\nthi".utf8))
        #expect(written.all == ["[order] first\n[order] second\n"])
        prefixer.write(Data("rd".utf8))
        #expect(written.all.count == 1, "no end of line yet")
        prefixer.write(Data("\n\nfourth\n".utf8))
        #expect(written.all == ["[order] first\n[order] second\n", "[order] third\n[order] \n[order] fourth\n"])
    }

    @Test func aLineLongerThanTheLimitIsWrittenInPiecesRatherThanHeldForever() {
        let written = Written()
        let prefixer = LinePrefixer(prefix: "[cart]") { written.append($0) }
        let long = String(repeating: "x", count: LinePrefixer.longestLine + 1)
        prefixer.write(Data(long.utf8))
        #expect(written.all == ["[cart] \(long)\n"])
        prefixer.write(Data("rest\n".utf8))
        #expect(written.all.last == "[cart] rest\n")
    }

    @Test func theRelayTakesTheLinesWrittenDuringItsPauseInOneReadAndCopiesThemAllToTheEnd() async throws {
        let written = Written()
        let pipe = Pipe()
        // The first pause lasts until the lines below are written; the later ones do not wait.
        let resume = DispatchSemaphore(value: 0)
        let relay = OutputRelay(reading: pipe.fileHandleForReading, to: LinePrefixer(prefix: "[cargo]") { written.append($0) }, name: "cargo") {
            resume.wait()
            resume.signal()
        }
        pipe.fileHandleForWriting.write(Data("one\n".utf8))
        for _ in 0..<2_000 where written.all.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        #expect(written.all == ["[cargo] one\n"])
        for line in ["two", "three", "four"] { pipe.fileHandleForWriting.write(Data("\(line)\n".utf8)) }
        pipe.fileHandleForWriting.write(Data("the last line, cut short".utf8))
        try pipe.fileHandleForWriting.close()
        resume.signal()
        await relay.finished(within: .seconds(10))
        #expect(written.all == ["[cargo] one\n", "[cargo] two\n[cargo] three\n[cargo] four\n", "[cargo] the last line, cut short\n"])
    }

    @Test func aReadThatFindsThePipeFillingUpIsNotFollowedByAPause() async throws {
        let written = Written()
        let pauses = Mutex(0)
        let pipe = Pipe()
        // 40 KiB of lines already waiting: the first read takes them all, more than half of what it could take.
        let line = String(repeating: "x", count: 99) + "\n"
        pipe.fileHandleForWriting.write(Data(String(repeating: line, count: 400).utf8))
        let relay = OutputRelay(reading: pipe.fileHandleForReading, to: LinePrefixer(prefix: "[order]") { written.append($0) }, name: "order") {
            pauses.withLock { $0 += 1 }
        }
        for _ in 0..<2_000 where written.all.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        pipe.fileHandleForWriting.write(Data("a short line\n".utf8))
        try pipe.fileHandleForWriting.close()
        await relay.finished(within: .seconds(10))
        #expect(written.all.joined().split(separator: "\n").count == 401)
        #expect(pauses.withLock { $0 } == 1, "no pause after the large read, one after the short line")
    }
}
