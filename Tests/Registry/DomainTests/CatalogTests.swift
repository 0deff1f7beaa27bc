import Foundation
import RegistryDomain
import Testing

@Suite struct CatalogTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let user = Registrant.service("user")

    func ttlCheck(_ id: String = "service:user-1", ttl: Duration = .seconds(10), status: HealthStatus = .passing, deregisterAfter: Duration? = .seconds(60)) throws -> HealthCheck {
        try HealthCheck(id: id, name: "TTL", kind: .ttl(ttl), deregisterCriticalAfter: deregisterAfter, status: status, registeredAt: start)
    }

    func instance(_ id: String = "user-1", service: String = "user", port: Int = 8081, checks: [HealthCheck]? = nil) throws -> ServiceInstance {
        try ServiceInstance(id: id, service: service, address: "127.0.0.1", port: port, tags: ["v1"], checks: checks ?? [ttlCheck("service:\(id)")])
    }

    func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    @Test func aMissedTTLMakesAnInstanceCriticalThenGone() throws {
        var catalog = Catalog()
        _ = try catalog.register(try instance(), by: user, at: start)
        #expect(catalog.instances(of: "user", passingOnly: true).map(\.id) == ["user-1"])
        #expect(catalog.expire(at: at(10)).isEmpty)
        let expired = catalog.expire(at: at(10.5))
        #expect(expired == [.checkChanged(instance: "user-1", service: "user", check: "service:user-1", from: .passing, to: .critical, output: "TTL expired")])
        #expect(catalog.instances(of: "user", passingOnly: true).isEmpty)
        #expect(catalog.instances(of: "user", passingOnly: false).map(\.health) == [.critical])
        #expect(catalog.expire(at: at(70)).isEmpty)
        let removed = catalog.expire(at: at(70.6))
        guard case .removed(_, .criticalTooLong(checkID: "service:user-1")) = removed.first else { Issue.record("\(removed)"); return }
        #expect(catalog.instances(of: "user", passingOnly: false).isEmpty)
    }

    @Test func withoutDeregisterCriticalServiceAfterACriticalInstanceStaysListed() throws {
        var catalog = Catalog()
        _ = try catalog.register(try instance(checks: [try ttlCheck(deregisterAfter: nil)]), by: user, at: start)
        _ = catalog.expire(at: at(11))
        _ = catalog.expire(at: at(86_400))
        #expect(catalog.instances(of: "user", passingOnly: false).map(\.health) == [.critical])
    }

    @Test func reportsKeepATTLCheckAliveWarnAndFail() throws {
        var catalog = Catalog()
        _ = try catalog.register(try instance(checks: [try ttlCheck(status: .critical)]), by: user, at: start)
        #expect(catalog.instances(of: "user", passingOnly: true).isEmpty, "Consul starts checks critical unless told")
        _ = try catalog.report(.passing, output: "", onCheck: "service:user-1", by: user, at: at(1))
        _ = try catalog.report(.passing, output: "", onCheck: "service:user-1", by: user, at: at(9))
        #expect(catalog.expire(at: at(15)).isEmpty)
        let warned = try catalog.report(.warning, output: "disk 91% full", onCheck: "service:user-1", by: user, at: at(16))
        #expect(warned == [.checkChanged(instance: "user-1", service: "user", check: "service:user-1", from: .passing, to: .warning, output: "disk 91% full")])
        #expect(catalog.instances(of: "user", passingOnly: true).isEmpty)
        #expect(catalog.instances(of: "user", passingOnly: false).first?.checks.first?.output == "disk 91% full")
        _ = try catalog.report(.critical, output: "", onCheck: "service:user-1", by: user, at: at(17))
        #expect(catalog.instances(of: "user", passingOnly: false).map(\.health) == [.critical])
    }

    @Test func anUnknownInstanceOrCheckMustRegisterAgain() {
        var catalog = Catalog()
        #expect(throws: RegistryError.unknownCheck("service:ghost")) { try catalog.report(.passing, output: "", onCheck: "service:ghost", by: user, at: start) }
        #expect(throws: RegistryError.unknownInstance("ghost")) { try catalog.deregister("ghost", by: .operator) }
    }

    @Test func aServiceChangesOnlyItsOwnInstances() throws {
        var catalog = Catalog()
        _ = try catalog.register(try instance(), by: user, at: start)
        let cart = Registrant.service("cart-service")
        #expect(throws: RegistryError.self) { try catalog.register(try instance("evil", service: "user"), by: cart, at: start) }
        // The same instance id under the intruder's own name would replace the user instance: refused too.
        #expect(throws: RegistryError.self) { try catalog.register(try instance("user-1", service: "cart-service"), by: cart, at: start) }
        #expect(throws: RegistryError.self) { try catalog.deregister("user-1", by: cart) }
        #expect(throws: RegistryError.self) { try catalog.report(.critical, output: "", onCheck: "service:user-1", by: cart, at: start) }
        #expect(catalog.instances(of: "user", passingOnly: true).map(\.id) == ["user-1"])
        _ = try catalog.deregister("user-1", by: .operator)
        #expect(catalog.services().isEmpty)
    }

    @Test func checkIDsBelongToOneInstance() throws {
        var catalog = Catalog()
        _ = try catalog.register(try instance("user-1", checks: [try ttlCheck("shared")]), by: user, at: start)
        #expect(throws: RegistryError.invalidRegistration("check id 'shared' belongs to instance 'user-1'")) {
            try catalog.register(try instance("user-2", checks: [try ttlCheck("shared")]), by: user, at: start)
        }
    }

    @Test func theIndexMovesOnlyWhenAnswersChange() throws {
        var catalog = Catalog()
        let initial = catalog.index
        _ = try catalog.register(try instance(), by: user, at: start)
        let registered = catalog.index
        #expect(registered > initial)
        #expect(try catalog.register(try instance(), by: user, at: at(1)).isEmpty, "the same registration again is quiet")
        #expect(try catalog.report(.passing, output: "", onCheck: "service:user-1", by: user, at: at(2)).isEmpty)
        #expect(catalog.index == registered)
        _ = try catalog.register(try instance(port: 9000), by: user, at: at(3))
        #expect(catalog.index > registered)
        #expect(catalog.instance("user-1")?.createIndex == registered)
        _ = try catalog.deregister("user-1", by: user)
        #expect(catalog.services().isEmpty)
    }

    @Test func probesAreDueAtOnceThenOneIntervalAfterTheirResult() throws {
        var catalog = Catalog()
        let probe = HealthCheck.HTTPProbe(url: URL(string: "http://127.0.0.1:8081/health")!)
        let check = try HealthCheck(id: "web", name: "HTTP", kind: .http(probe, interval: .seconds(5)), timeout: .seconds(1), registeredAt: start)
        _ = try catalog.register(try instance(checks: [check]), by: user, at: start)
        let due = catalog.takeDueProbes(at: start)
        #expect(due.map(\.checkID) == ["web"])
        #expect(catalog.takeDueProbes(at: at(30)).isEmpty, "not due again while the first probe runs")
        let events = catalog.record(.passing, output: "HTTP GET …: 200 OK", of: due[0], at: at(0.2))
        #expect(events.count == 1)
        #expect(catalog.instances(of: "user", passingOnly: true).count == 1)
        #expect(catalog.takeDueProbes(at: at(4.9)).isEmpty)
        let next = catalog.takeDueProbes(at: at(5))
        #expect(next.map(\.checkID) == ["web"])
        #expect(catalog.record(.passing, output: "", of: next[0], at: at(5.1)).isEmpty, "no change, no event")
        _ = try catalog.deregister("user-1", by: user)
        #expect(catalog.record(.critical, output: "", of: next[0], at: at(5.2)).isEmpty, "a result for a removed check is dropped")
        #expect(catalog.takeDueProbes(at: at(100)).isEmpty)
    }

    @Test func reRegisteringKeepsTheStatusOfUnchangedChecks() throws {
        var catalog = Catalog()
        _ = try catalog.register(try instance(checks: [try ttlCheck(status: .critical)]), by: user, at: start)
        _ = try catalog.report(.passing, output: "", onCheck: "service:user-1", by: user, at: at(1))
        _ = try catalog.register(try instance(checks: [try ttlCheck(status: .critical)]), by: user, at: at(2))
        #expect(catalog.instances(of: "user", passingOnly: true).count == 1)
    }

    @Test func listsServicesWithTheirTags() throws {
        var catalog = Catalog()
        _ = try catalog.register(try instance("user-1"), by: user, at: start)
        _ = try catalog.register(try ServiceInstance(id: "gw", service: "gateway", address: "10.0.0.2", port: 8080, tags: ["edge", "v1"]), by: .operator, at: start)
        #expect(catalog.services() == ["user": ["v1"], "gateway": ["edge", "v1"]])
        #expect(catalog.instance("gw")?.health == .passing, "an instance without checks is passing, as in Consul")
    }

    @Test(arguments: [
        ("", "127.0.0.1", 80, "service name"), ("User", "127.0.0.1", 80, "service name"), ("user", "", 80, "address"),
        ("user", "127.0.0.1", 0, "port"), ("user", "127.0.0.1", 70000, "port"), ("user", "a b", 80, "address"),
    ])
    func badRegistrationsAreRefused(_ service: String, _ address: String, _ port: Int, _ mentioned: String) {
        do {
            _ = try ServiceInstance(id: "x", service: service, address: address, port: port)
            Issue.record("accepted \(service) \(address) \(port)")
        } catch {
            guard case .invalidRegistration(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains(mentioned))
        }
    }

    @Test func badChecksAreRefused() {
        let start = self.start
        #expect(throws: RegistryError.self) { try HealthCheck(id: "c", name: "", kind: .ttl(.milliseconds(10)), registeredAt: start) }
        #expect(throws: RegistryError.self) {
            try HealthCheck(id: "c", name: "", kind: .http(.init(url: URL(string: "file:///etc/passwd")!), interval: .seconds(5)), registeredAt: start)
        }
        #expect(throws: RegistryError.self) { try HealthCheck(id: "c", name: "", kind: .tcp(host: "db", port: 5432, interval: .milliseconds(10)), registeredAt: start) }
        #expect(throws: RegistryError.self) { try HealthCheck(id: "a/b", name: "", kind: .ttl(.seconds(5)), registeredAt: start) }
    }
}
