import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
import TradewindRuntime
import TradewindTesting
import UserServer

/// `tradewind user create-admin` on PostgreSQL: a one-off command runs its store beside its work, and must lease
/// connections only once the pool runs (PostgresNIO warns otherwise, and operators read that warning as a fault).
@Suite struct UserAdministrationTests {
    @Test(.enabled(if: TestDatabases.postgresURL != nil, "needs \(TestDatabases.postgresVariable)"))
    func createAdminOnPostgreSQLWarnsOfNothing() async throws {
        let admin = try #require(TestDatabases.postgresURL)
        let name = "tradewind_admin_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
        var url = try #require(URLComponents(string: admin))
        url.path = "/\(name)"
        let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        try await PostgresAdministration.execute("CREATE DATABASE \(unescaped: name)", on: try DatabaseURL(admin), logger: quiet)
        let messages = CapturedMessages()
        let logger = Logger(label: "create-admin") { _ in CapturingLogHandler(messages: messages) }
        for index in 0..<3 {
            let outcome = try await UserAdministration.createAdmin(
                email: "admin\(index)@example.com", password: "admin password 123", displayName: "Admin",
                environment: ServiceEnvironment(["DATABASE_URL": try #require(url.string), "BCRYPT_COST": "4"]), logger: logger
            )
            #expect(outcome == "created administrator admin\(index)@example.com")
        }
        try await PostgresAdministration.execute("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", on: try DatabaseURL(admin), logger: quiet)
        let complaints = messages.all.filter { $0.hasPrefix("warning") || $0.hasPrefix("error") || $0.hasPrefix("critical") }
        #expect(complaints.isEmpty, "\(complaints)")
    }
}

private final class CapturedMessages: Sendable {
    private let messages = Mutex<[String]>([])
    var all: [String] { messages.withLock { $0 } }
    func append(_ message: String) { messages.withLock { $0.append(message) } }
}

private struct CapturingLogHandler: LogHandler {
    let messages: CapturedMessages
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        messages.append("\(level): \(message)")
    }
}
