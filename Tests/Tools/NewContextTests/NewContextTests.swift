import ArgumentParser
import Foundation
import Testing
import Yams
@testable import tradewind

/// `tradewind new context` on a scratch copy of the files it reads and changes (the real templates, Package.swift,
/// the stack, the route table and the order context's events).
@Suite struct NewContextTests {
    static let repository = OrderedJSONTests.repository
    static let copied = [
        "Package.swift", "Tools/Tradewind/Serve.swift", "Tools/Tradewind/StackService.swift", "Services/Gateway/routes.json",
        "Services/Order/Contracts/OrderPlaced.swift", "Services/Cart/Contracts/CartContract.swift", "docker-compose.yml", "Jenkinsfile",
        "Services/User/Server/UserServiceConfiguration.swift",
        "Deploy", "Tools/Templates",
    ]

    /// A scratch checkout, removed after `body`.
    func withScratchRepository(_ body: (URL) throws -> Void) throws {
        let files = FileManager.default
        let scratch = files.temporaryDirectory.appendingPathComponent("tradewind-new-context-\(UUID().uuidString)")
        defer { try? files.removeItem(at: scratch) }
        for path in Self.copied {
            let target = scratch.appendingPathComponent(path)
            try files.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try files.copyItem(at: Self.repository.appendingPathComponent(path), to: target)
        }
        try body(scratch)
    }

    /// Every file under `folder` with its content (a link as its destination), to compare trees.
    static func snapshot(_ folder: URL) throws -> [String: String] {
        let files = FileManager.default
        var result: [String: String] = [:]
        for path in try files.subpathsOfDirectory(atPath: folder.path) {
            let url = folder.appendingPathComponent(path)
            if let destination = try? files.destinationOfSymbolicLink(atPath: url.path) {
                result[path] = "-> " + destination
            } else if let data = files.contents(atPath: url.path) {
                result[path] = String(decoding: data, as: UTF8.self)
            } else {
                result[path] = "(folder)"
            }
        }
        return result
    }

    /// The last entry of `StackService.withDatabase`, the line above its insertion point.
    static func lineAboveDatabaseMarker(in stack: String) -> String? {
        let lines = stack.components(separatedBy: "\n")
        guard let marker = lines.firstIndex(where: { $0.contains("// tradewind new context: databases") }), marker > 0 else { return nil }
        return lines[marker - 1].trimmingCharacters(in: .whitespaces)
    }

    func run(_ arguments: [String], in repository: URL) throws {
        var command = try NewContext.parse(arguments + ["--repository", repository.path])
        try command.run()
    }

    @Test func aContextIsWrittenAndRegisteredEverywhere() throws {
        try withScratchRepository { repository in
            try run(["ShippingLabel", "--with-database", "--consumes", "Order.OrderPlaced"], in: repository)
            let tree = try Self.snapshot(repository)
            for layer in ["Domain/ShippingLabel.swift", "Domain/Ports.swift", "Application/CreateShippingLabel.swift", "Application/GetShippingLabel.swift",
                          "Application/RecordOrderPlaced.swift", "Infrastructure/SQLShippingLabelRepository.swift",
                          "Infrastructure/ShippingLabelEventSubscriptions.swift", "Interface/ShippingLabelAPI.swift", "Contracts/openapi.yaml",
                          "Server/ShippingLabelService.swift", "Main/main.swift"] {
                #expect(tree["Services/ShippingLabel/\(layer)"] != nil, "\(layer)")
            }
            #expect(tree["Services/ShippingLabel/Interface/openapi.yaml"] == "-> ../Contracts/openapi.yaml")
            #expect(tree["Services/ShippingLabel/Infrastructure/PublishedShippingLabelEvents.swift"] == nil, "publishes nothing without --publishes")
            for test in ["DomainTests", "ApplicationTests", "InfrastructureTests", "InterfaceTests"] {
                #expect(tree.keys.contains { $0.hasPrefix("Tests/ShippingLabel/\(test)/") && $0.hasSuffix(".swift") }, "\(test)")
            }
            for (path, content) in tree where path.hasPrefix("Services/ShippingLabel") || path.hasPrefix("Tests/ShippingLabel") {
                #expect(!content.contains("{{") && !content.contains("__Name__"), "\(path) has a placeholder left")
            }
            let manifest = try #require(tree["Package.swift"])
            #expect(manifest.contains(#"targets += boundedContext("ShippingLabel", executable: "shipping-label-service", interface: [.logging], consumes: ["Order"])"#))
            #expect(manifest.contains(#".executable(name: "shipping-label-service", targets: ["shipping-label-service"]),"#))
            #expect(manifest.contains(#""ShippingLabelServer","#))
            let stack = try #require(tree["Tools/Tradewind/StackService.swift"])
            #expect(stack.contains(#"StackService(name: "shipping-label", port: 8086, environment: [:]),"#))
            #expect(Self.lineAboveDatabaseMarker(in: stack) == #""shipping-label","#, "the database list names it (--with-database)")
            #expect(try #require(tree["Tools/Tradewind/Serve.swift"]).contains(#"case "shipping-label": await ShippingLabelService.main()"#))
            let table = try JSONSerialization.jsonObject(with: Data(try #require(tree["Services/Gateway/routes.json"]).utf8)) as? [String: Any]
            let route = try #require((table?["routes"] as? [[String: Any]])?.last)
            #expect(route["prefix"] as? String == "/api/shipping-labels" && route["service"] as? String == "shipping-label-service")
            #expect(route["rewrite"] as? String == "/shipping-labels" && route["access"] as? String == "authenticated")
            // Deployed like the other services: compose builds and runs it, Kubernetes deploys it, the order service
            // there knows it as a consumer of its events.
            let compose = try #require(try Yams.load(yaml: tree["docker-compose.yml"] ?? "") as? [String: Any])
            let service = try #require((compose["services"] as? [String: Any])?["shipping-label-service"] as? [String: Any])
            let environment = try #require(service["environment"] as? [String: Any])
            #expect(environment["PORT"] as? String == "8086")
            #expect((environment["DATABASE_URL"] as? String)?.hasPrefix("postgres://shipping_label_service:") == true)
            #expect(try #require(tree["Deploy/docker/Dockerfile"]).contains("FROM runtime AS shipping-label-service"))
            #expect(try #require(tree["Deploy/k8s/base/kustomization.yaml"]).contains("- shipping-label-service.yaml"))
            let manifests = try Yams.load_all(yaml: tree["Deploy/k8s/base/shipping-label-service.yaml"] ?? "").compactMap { $0 as? [String: Any] }
            #expect(Set(manifests.compactMap { $0["kind"] as? String }) == ["ConfigMap", "Service", "Deployment"])
            let orderConfig = try #require(tree["Deploy/k8s/base/order-service.yaml"])
            #expect(orderConfig.contains(#"EVENT_CONSUMERS: "shipping-label-service""#) && orderConfig.contains("SHIPPING_LABEL_SERVICE_URL"))
            #expect(try #require(tree["Deploy/compose/postgres-init.sh"]).contains(#"create_database shipping_label_service "${SHIPPING_LABEL_DB_PASSWORD:-}""#))

            // The generated interface test delivers a real OrderPlaced: every field of the event, from its contract.
            let apiTest = try #require(tree["Tests/ShippingLabel/InterfaceTests/ShippingLabelAPITests.swift"])
            #expect(apiTest.contains(#"\"orderId\":\"A-1\",\"customer\":\"A-1\",\"totalAmount\":1,\"currency\":\"A-1\""#))
        }
    }

    /// Without --with-database nothing gets a PostgreSQL database; the service keeps SQLite on a writable volume.
    @Test func withoutADatabaseTheServiceKeepsSQLiteOnAVolume() throws {
        try withScratchRepository { repository in
            try run(["Refund", "--port", "8090"], in: repository)
            let tree = try Self.snapshot(repository)
            let compose = try #require(try Yams.load(yaml: tree["docker-compose.yml"] ?? "") as? [String: Any])
            let service = try #require((compose["services"] as? [String: Any])?["refund-service"] as? [String: Any])
            #expect((service["environment"] as? [String: Any])?["DATABASE_URL"] as? String == "sqlite:///data/refund-service.sqlite")
            #expect((service["tmpfs"] as? [String])?.contains { $0.hasPrefix("/data:") } == true)
            #expect(try #require(tree["Deploy/compose/postgres-init.sh"]) == (try String(contentsOf: Self.repository.appendingPathComponent("Deploy/compose/postgres-init.sh"), encoding: .utf8)))
            #expect(try #require(tree["Tools/Tradewind/StackService.swift"]).contains(#"StackService(name: "refund", port: 8090, environment: [:]),"#))
            #expect(Self.lineAboveDatabaseMarker(in: tree["Tools/Tradewind/StackService.swift"] ?? "") == #""user", "product", "cart", "cargo", "order", "storefront","#)
        }
    }

    /// --publishes: the event in the Contracts, the outbox in the Infrastructure, and a machine client whose token
    /// carries the event's scope, locally and in every deployment.
    @Test func aPublisherGetsItsEventAnOutboxAndAMachineClient() throws {
        try withScratchRepository { repository in
            try run(["Payment", "--publishes", "PaymentRecorded"], in: repository)
            let tree = try Self.snapshot(repository)
            let event = try #require(tree["Services/Payment/Contracts/PaymentRecorded.swift"])
            #expect(event.contains("public struct PaymentRecorded: PublishedEvent") && event.contains("public let paymentId: String"))
            #expect(try #require(tree["Services/Payment/Infrastructure/SQLPaymentRepository.swift"]).contains("Outbox.append(PublishedPaymentEvents.recorded("))
            let schema = try #require(tree["Services/Payment/Infrastructure/PaymentSchema.swift"])
            #expect(schema.contains("Outbox.migration(version: 2)") && schema.contains("SubscriberDirectory.migration(version: 4)")
                    && schema.contains("Outbox.waitingOnlyIndexesMigration(version: 5)"))
            #expect(try #require(tree["Services/Payment/Server/PaymentService.swift"]).contains("workers: [subscribers, relay]"))
            #expect(try #require(tree["Tests/Payment/InfrastructureTests/PaymentRepositoryTests.swift"]).contains("aStoredPaymentIsAnnouncedOnce"))
            #expect(try #require(tree["Tools/Tradewind/StackService.swift"]).contains(#""payment": "payment-service","#))
            #expect(try #require(tree["Services/User/Server/UserServiceConfiguration.swift"])
                .contains(#""payment-service": [Scope.publishEvents(of: "payment-service")],"#))

            let compose = try #require(try Yams.load(yaml: tree["docker-compose.yml"] ?? "") as? [String: Any])
            let services = try #require(compose["services"] as? [String: Any])
            let environment = try #require((services["payment-service"] as? [String: Any])?["environment"] as? [String: Any])
            #expect(environment["SERVICE_CLIENT_ID"] as? String == "payment-service")
            #expect(environment["SERVICE_CLIENT_SECRET"] as? String == "${PAYMENT_SERVICE_CLIENT_SECRET:?set PAYMENT_SERVICE_CLIENT_SECRET in .env}")
            let userEnvironment = try #require((services["user-service"] as? [String: Any])?["environment"] as? [String: Any])
            #expect((userEnvironment["SERVICE_CLIENTS"] as? String)?.hasSuffix(",payment-service:${PAYMENT_SERVICE_CLIENT_SECRET:?set PAYMENT_SERVICE_CLIENT_SECRET in .env}") == true)
            #expect(try #require(tree["Deploy/compose/tradewind.env.example"]).contains("PAYMENT_SERVICE_CLIENT_SECRET=change-me-payment-client-secret"))
            #expect(try #require(tree["Deploy/ci/check-semantics.py"]).contains(#""payment-service": dict(port=8086, db=False, jwks=True, calls=[], client=True),"#))
            let manifest = try #require(tree["Deploy/k8s/base/payment-service.yaml"])
            #expect(manifest.contains(#"SERVICE_CLIENT_ID: "payment-service""#) && manifest.contains("key: payment-service-client-secret"))
            let guide = try #require(tree["Deploy/k8s/README.md"])
            #expect(guide.contains("`cargo-service-client-secret`, `payment-service-client-secret`"))
            #expect(guide.contains("cargo-service:<cargo secret>,payment-service:<payment secret>"))
            #expect(guide.contains("for client in order-service cargo-service payment-service; do"))
            #expect(try #require(tree["Deploy/ci/k8s-pod-check.py"]).contains(#"("order-service", "cargo-service", "payment-service")"#))
        }
    }

    @Test(arguments: ["paymentRecorded", "Payment", "PaymentID", "PaymentAPI", "OrderPlaced", "Payment-Recorded", "Tradewind"])
    func aPublishedEventThatClashesOrIsMisspeltIsRefused(_ event: String) throws {
        try withScratchRepository { repository in
            let before = try Self.snapshot(repository)
            let error = try #require(throws: (any Error).self) {
                try run(["Payment", "--consumes", "Order.OrderPlaced", "--publishes", event], in: repository)
            }
            #expect("\(error)".contains("--publishes \(event)"))
            #expect(try Self.snapshot(repository) == before)
        }
    }

    @Test func aSecondRunWithTheSameNameIsRefusedAndChangesNothing() throws {
        try withScratchRepository { repository in
            try run(["Payment"], in: repository)
            let before = try Self.snapshot(repository)
            #expect(throws: (any Error).self) { try run(["Payment"], in: repository) }
            #expect(throws: (any Error).self) { try run(["Payment", "--port", "8090"], in: repository) }
            #expect(try Self.snapshot(repository) == before)
        }
    }

    @Test func badArgumentsAreRefusedBeforeAnythingIsWritten() throws {
        try withScratchRepository { repository in
            let before = try Self.snapshot(repository)
            for arguments in [["payment"], ["Order"], ["Cart"], ["Struct"], ["Payment", "--port", "8081"], ["Payment", "--port", "40000"],
                              ["Payment", "--consumes", "Order"], ["Payment", "--consumes", "Nowhere.Thing"],
                              ["Payment", "--consumes", "Order.OrderVanished"], ["Payment", "--consumes", "Order.OrderPlaced", "--consumes", "Order.OrderPlaced"]] {
                #expect(throws: (any Error).self, "\(arguments)") { try run(arguments, in: repository) }
            }
            #expect(try Self.snapshot(repository) == before)
        }
    }

    @Test func aMissingInsertionPointStopsTheRunBeforeAnyWrite() throws {
        try withScratchRepository { repository in
            let serve = repository.appendingPathComponent("Tools/Tradewind/Serve.swift")
            let text = try String(contentsOf: serve, encoding: .utf8)
            try text.replacingOccurrences(of: "// tradewind new context: services", with: "").write(to: serve, atomically: true, encoding: .utf8)
            let before = try Self.snapshot(repository)
            let error = try #require(throws: (any Error).self) { try run(["Payment"], in: repository) }
            #expect("\(error)".contains("tradewind new context: services"))
            #expect(try Self.snapshot(repository) == before)
        }
    }

    /// A write that fails after others succeeded undoes them: rewritten files get their content back, new files and
    /// folders go.
    @Test func aFailurePartWayLeavesTheTreeAsItWas() throws {
        try withScratchRepository { repository in
            let before = try Self.snapshot(repository)
            var changes = RepositoryChanges()
            changes.rewritten["Package.swift"] = "changed"
            changes.created["Aaa/Bbb/New.swift"] = "new"
            changes.created["Package.swift/cannot-be-a-folder.swift"] = "fails"
            #expect(throws: ContextGenerationError.self) { try changes.apply(in: repository) }
            #expect(try Self.snapshot(repository) == before)
        }
    }
}
