import Foundation
import RegistryDomain
import Testing

@Suite struct CatalogTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func instance(_ id: String = "user-1", service: String = "user", port: Int = 8081) throws -> ServiceInstance {
        try ServiceInstance(id: id, service: service, address: "127.0.0.1", port: port, tags: ["v1"], ttl: .seconds(10), removeAfterCritical: .seconds(60), registeredAt: start)
    }

    @Test func aMissedTTLMakesAnInstanceCriticalThenGone() throws {
        var catalog = Catalog()
        catalog.register(try instance(), at: start)
        #expect(catalog.instances(of: "user", passingOnly: true).map(\.id) == ["user-1"])
        let changedAt10 = catalog.expire(at: start.addingTimeInterval(10))
        #expect(changedAt10 == false)
        let changedAt10_5 = catalog.expire(at: start.addingTimeInterval(10.5))
        #expect(changedAt10_5)
        #expect(catalog.instances(of: "user", passingOnly: true).isEmpty)
        #expect(catalog.instances(of: "user", passingOnly: false).map(\.health) == [.critical])
        let changedAt69 = catalog.expire(at: start.addingTimeInterval(69))
        #expect(changedAt69 == false)
        let changedAt70_5 = catalog.expire(at: start.addingTimeInterval(70.5))
        #expect(changedAt70_5)
        #expect(catalog.instances(of: "user", passingOnly: false).isEmpty)
    }

    @Test func heartbeatsKeepAnInstancePassingAndRevivePassingOnes() throws {
        var catalog = Catalog()
        catalog.register(try instance(), at: start)
        try catalog.heartbeat("user-1", at: start.addingTimeInterval(8))
        let changedAt15 = catalog.expire(at: start.addingTimeInterval(15))
        #expect(changedAt15 == false)
        catalog.expire(at: start.addingTimeInterval(19))
        try catalog.heartbeat("user-1", at: start.addingTimeInterval(20))
        #expect(catalog.instances(of: "user", passingOnly: true).count == 1)
    }

    @Test func anUnknownInstanceMustRegisterAgain() {
        var catalog = Catalog()
        #expect(throws: RegistryError.unknownInstance("ghost")) { try catalog.heartbeat("ghost", at: start) }
        #expect(throws: RegistryError.unknownInstance("ghost")) { try catalog.deregister("ghost") }
    }

    @Test func theIndexMovesOnlyWhenAnswersChange() throws {
        var catalog = Catalog()
        let initial = catalog.index
        catalog.register(try instance(), at: start)
        let registered = catalog.index
        #expect(registered > initial)
        catalog.register(try instance(), at: start.addingTimeInterval(1))
        try catalog.heartbeat("user-1", at: start.addingTimeInterval(2))
        #expect(catalog.index == registered)
        catalog.register(try instance(port: 9000), at: start.addingTimeInterval(3))
        #expect(catalog.index > registered)
        try catalog.deregister("user-1")
        #expect(catalog.services().isEmpty)
    }

    @Test func listsServicesWithTheirTags() throws {
        var catalog = Catalog()
        catalog.register(try instance("user-1"), at: start)
        catalog.register(try ServiceInstance(id: "gw", service: "gateway", address: "10.0.0.2", port: 8080, tags: ["edge", "v1"], ttl: .seconds(5), removeAfterCritical: .seconds(5), registeredAt: start), at: start)
        #expect(catalog.services() == ["user": ["v1"], "gateway": ["edge", "v1"]])
    }

    @Test(arguments: [
        ("", "127.0.0.1", 80, "service name"), ("User", "127.0.0.1", 80, "service name"), ("user", "", 80, "address"),
        ("user", "127.0.0.1", 0, "port"), ("user", "127.0.0.1", 70000, "port"), ("user", "a b", 80, "address"),
    ])
    func badRegistrationsAreRefused(_ service: String, _ address: String, _ port: Int, _ mentioned: String) {
        do {
            _ = try ServiceInstance(id: "x", service: service, address: address, port: port, ttl: .seconds(10), removeAfterCritical: .seconds(60), registeredAt: start)
            Issue.record("accepted \(service) \(address) \(port)")
        } catch {
            guard case .invalidRegistration(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains(mentioned))
        }
    }
}
