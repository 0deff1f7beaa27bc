import Foundation
import NIOHTTP1
import Testing

extension LocalStackTests {
    /// Password guessing against one account through the gateway, spread by it over two user-service replicas that
    /// share a database, is held to the account's limit of 5 attempts in 15 minutes: the limit lives in the database,
    /// not in either process, and a parallel burst gets no more tries than a patient attacker.
    @Test func bruteForceThroughTwoUserReplicasIsHeldToThePerAccountLimit() async throws {
        let binary = try Self.builtTradewind()
        let userService = binary.deletingLastPathComponent().appendingPathComponent("user-service")
        // Below the ephemeral port range, like the other stacks of this suite, and clear of their ports.
        let offset = LocalStack.offset(band: 3)
        // The budget for bcrypt work per address is not what this test is about: every guess comes from this machine.
        let stack = try LocalStack(binary: binary, offset: offset, environment: ["PASSWORD_WORK_BURST": "1000", "PASSWORD_WORK_PER_SECOND": "1000"])
        let ready = try await stack.output.waitFor("stack ready in", within: .seconds(120))
        try #require(ready, "the stack did not come up:\n\(stack.output.value)")

        // The second replica: same database, signing key and registry secret (all in the stack's folder), its own port.
        let replica = Process(), replicaOutput = Output()
        replica.executableURL = userService
        replica.currentDirectoryURL = stack.folder
        var environment = ProcessInfo.processInfo.environment
        for variable in ["REGISTRY_TOKEN", "REGISTRY_SECRET", "DATABASE_URL", "ADMIN_EMAIL", "ADMIN_PASSWORD", "SERVICE_CLIENTS"] {
            environment.removeValue(forKey: variable)
        }
        environment.merge([
            "PORT": String(8091 + offset), "REGISTRY_URL": "http://127.0.0.1:\(8500 + offset)", "TRUSTED_PROXIES": "127.0.0.0/8,::1",
            "BCRYPT_COST": "4", "PASSWORD_WORK_BURST": "1000", "PASSWORD_WORK_PER_SECOND": "1000", "LOG_LEVEL": "info",
        ]) { $1 }
        replica.environment = environment
        replicaOutput.collect(from: replica)
        try replica.run()
        defer { if replica.isRunning { kill(replica.processIdentifier, SIGKILL) } }

        let registry = "http://127.0.0.1:\(8500 + offset)"
        var replicas = 0
        for _ in 0..<100 where replicas < 2 {
            let passing = try await Self.call(.GET, "\(registry)/v1/health/service/user-service?passing=true")
            replicas = (try JSONSerialization.jsonObject(with: Data(passing.body.utf8)) as? [Any])?.count ?? 0
            if replicas < 2 { try await Task.sleep(for: .milliseconds(200)) }
        }
        try #require(replicas == 2, "the second replica did not become a passing instance:\n\(replicaOutput.value)")
        // The gateway learns of the new instance through its discovery watch.
        try await Task.sleep(for: .seconds(2))

        let gateway = stack.gateway, email = "victim-\(offset)@example.com", password = "correct horse battery staple"
        let registered = try await Self.call(.POST, "\(gateway)/api/users", headers: [("content-type", "application/json")],
                                             body: #"{"email":"\#(email)","password":"\#(password)","displayName":"Victim"}"#)
        try #require(registered.status == 201, "\(registered.body)")
        func guess(_ username: String, _ password: String) async throws -> Int {
            try await Self.call(.POST, "\(gateway)/api/oauth/token", headers: [("content-type", "application/x-www-form-urlencoded")],
                                body: "grant_type=password&username=\(username.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&password=\(password)").status
        }

        // A burst of 16 parallel guesses, spelled differently so that a throttle keyed on the raw text would not notice.
        let spellings = [email, " \(email)", email.uppercased(), "\(email)\t"]
        let burst = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<16 { group.addTask { try await guess(spellings[index % spellings.count], "wrong-\(index)") } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(burst.allSatisfy { $0 == 400 || $0 == 429 }, "\(burst)")
        let checked = burst.filter { $0 == 400 }.count
        #expect(checked <= 5, "\(checked) of the burst's guesses were checked: \(burst)")
        // Patient guesses after the burst get what is left of the 5, no more.
        var patient = 0
        for index in 0..<10 {
            let status = try await guess(email, "patient-\(index)")
            if status == 429 { break }
            #expect(status == 400)
            patient += 1
        }
        #expect(checked + patient == 5, "burst \(burst), then \(patient) patient guesses were checked")
        // Even the right password is refused now, on either replica.
        for _ in 0..<4 { #expect(try await guess(email, password.replacingOccurrences(of: " ", with: "+")) == 429) }
        // Both replicas answered sign-ins: the limit held across them, not inside one.
        #expect(replicaOutput.value.contains("/oauth/token"), "the second replica served no sign-in:\n\(replicaOutput.value)")
        kill(replica.processIdentifier, SIGTERM)
        kill(stack.process.processIdentifier, SIGINT)
        _ = try await stack.output.waitFor("stopped", within: .seconds(20))
    }
}
