import Foundation
import Testing

/// Every service runs Swift's tasks on its event loops (`EventLoopTasks`) and says so when it starts, from a task it
/// started and found on a loop. The compose check asks the same of the statically linked images.
struct EventLoopTasksTests {
    @Test func aServiceRunsItsTasksOnItsEventLoops() async throws {
        let binary = try LocalStackTests.builtTradewind()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-loops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let service = Process()
        service.executableURL = binary
        service.arguments = ["serve", "registry"]
        service.currentDirectoryURL = folder
        // The line comes before the service binds its port, so any port will do, even a taken one.
        service.environment = ["LOG_LEVEL": "info", "PORT": "\(20_000 + Int(ProcessInfo.processInfo.processIdentifier % 5_000))",
                               "NIO_SINGLETON_GROUP_LOOP_COUNT": "1"]
        let output = LocalStackTests.Output()
        output.collect(from: service)
        try service.run()
        defer { if service.isRunning { kill(service.processIdentifier, SIGKILL) } }
        let said = try await output.waitFor("tasks run on the event loops", within: .seconds(30))
        #expect(said, "\(output.value)")
        #expect(output.value.contains("loops=1"), "\(output.value)")
        #expect(!output.value.contains("default executor"), "\(output.value)")
    }
}
