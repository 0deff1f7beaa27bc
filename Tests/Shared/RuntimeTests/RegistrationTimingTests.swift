import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing
import TradewindRuntime

/// A service registers once its server listens, never before: a copy that fails to bind (its port held by the
/// running copy) must leave the running copy's registration alone.
@Suite struct RegistrationTimingTests {
    final class Calls: Sendable {
        let paths = Mutex<[String]>([])
        var all: [String] { paths.withLock { $0 } }
    }

    /// A stand-in registry that answers 200 to everything and remembers what was asked.
    func withFakeRegistry(_ test: @escaping @Sendable (Int, Calls) async throws -> Void) async throws {
        let calls = Calls()
        let router = Router()
        router.put("/**") { request, _ -> Response in
            calls.paths.withLock { $0.append(request.uri.path) }
            return Response(status: .ok)
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            try await test(client.port!, calls)
        }
    }

    /// `preparing` stands for the migrations a service runs before it binds its port.
    func service(port: Int, registry: Int, preparing: Duration = .zero) -> some ApplicationProtocol {
        let router = Router(context: ServiceRequestContext.self)
        router.get("/ping") { _, _ in "pong" }
        var logger = Logger(label: "registration-test")
        logger.logLevel = .critical
        return ServiceHost.makeApplication(
            router: router,
            settings: RuntimeSettings(serviceName: "timing-test", port: port, database: .sqliteInMemory,
                                      registryURL: "http://127.0.0.1:\(registry)", registryToken: "service.timing-test.token"),
            services: [], logger: logger, beforeStart: { try await Task.sleep(for: preparing) }
        )
    }

    @Test func aCopyThatCannotBindNeitherRegistersNorDeregisters() async throws {
        try await withFakeRegistry { registryPort, calls in
            let holder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
            let taken = try #require(holder.localAddress?.port)
            await #expect(throws: (any Error).self) {
                try await service(port: taken, registry: registryPort, preparing: .milliseconds(500)).runService()
            }
            try await holder.close()
            #expect(calls.all.isEmpty, "\(calls.all)")
        }
    }

    @Test func aListeningServiceRegisters() async throws {
        try await withFakeRegistry { registryPort, calls in
            try await service(port: 0, registry: registryPort).test(.live) { client in
                #expect(try await client.execute(uri: "/ping", method: .get).status == .ok)
                var registered = false
                for _ in 0..<200 where !registered {
                    registered = calls.all.contains("/v1/agent/service/register")
                    if !registered { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(registered, "\(calls.all)")
            }
        }
    }
}
