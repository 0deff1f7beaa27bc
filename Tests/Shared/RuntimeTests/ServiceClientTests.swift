import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
import TradewindRuntime
import TradewindTesting

/// The service client against real HTTP instances on 127.0.0.1.
@Suite struct ServiceClientTests {
    /// An instance that answers with its name, or with `status`, and remembers the headers it saw.
    final class Upstream: Sendable {
        let name: String
        let status = Mutex(200)
        let delay = Mutex(Duration.zero)
        let hits = Mutex(0)
        let lastHeaders = Mutex(HTTPFields())

        init(_ name: String) { self.name = name }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.on("/echo", method: .get) { request, _ in try await self.answer(request) }
            router.on("/echo", method: .post) { request, _ in try await self.answer(request) }
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        }

        private func answer(_ request: Request) async throws -> Response {
            hits.withLock { $0 += 1 }
            lastHeaders.withLock { $0 = request.headers }
            let pause = delay.withLock { $0 }
            if pause > .zero { try await Task.sleep(for: pause) }
            return Response(status: .init(code: status.withLock { $0 }), body: .init(byteBuffer: ByteBuffer(string: name)))
        }
    }

    /// A port that refuses connections (see ``DeadPorts``).
    static func closedPort() throws -> Int { try DeadPorts.reserve() }

    static func client(_ urls: [String], retry: RetryPolicy = RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(1)), breaker: CircuitBreaker.Policy = .init(failureThreshold: 2, openDuration: .seconds(30)), balancing: LoadBalancing = .roundRobin) -> ServiceClient {
        ServiceClient(
            discovery: StaticDiscovery(["user-service": urls]),
            configuration: .init(retry: retry, breaker: breaker, balancing: balancing, defaultTimeout: .seconds(2)),
            logger: Logger(label: "test")
        )
    }

    func withUpstreams(_ body: @escaping @Sendable (Upstream, Int, Upstream, Int) async throws -> Void) async throws {
        let a = Upstream("a"), b = Upstream("b")
        try await a.application().test(.live) { clientA in
            try await b.application().test(.live) { clientB in
                try await body(a, clientA.port!, b, clientB.port!)
            }
        }
    }

    @Test func spreadsCallsOverInstances() async throws {
        try await withUpstreams { a, portA, b, portB in
            let client = Self.client(["http://127.0.0.1:\(portA)", "http://127.0.0.1:\(portB)"])
            var answers: [String] = []
            for _ in 0..<6 { answers.append(String(buffer: try await client.execute(service: "user-service", method: .get, path: "/echo").body)) }
            #expect(answers.filter { $0 == "a" }.count == 3)
            #expect(answers.filter { $0 == "b" }.count == 3)
        }
    }

    @Test func aDeadInstanceIsRetriedElsewhereAndThenAvoided() async throws {
        try await withUpstreams { a, portA, _, _ in
            let dead = try Self.closedPort()
            let client = Self.client(["http://127.0.0.1:\(dead)", "http://127.0.0.1:\(portA)"])
            for _ in 0..<6 {
                // Even a POST is retried: the connection was refused, so the request never left.
                let response = try await client.execute(service: "user-service", method: .post, path: "/echo", body: ByteBuffer(string: "x"))
                #expect(String(buffer: response.body) == "a")
            }
            #expect(client.breakerPhases()["http://127.0.0.1:\(dead)"] == .open)
            #expect(a.hits.withLock { $0 } == 6)
        }
    }

    @Test func allInstancesDownFailsFastOnceBreakersOpen() async throws {
        let dead = [try Self.closedPort(), try Self.closedPort()].map { "http://127.0.0.1:\($0)" }
        let client = Self.client(dead)
        for _ in 0..<2 {
            await #expect(throws: ServiceCallError.self) { try await client.execute(service: "user-service", method: .get, path: "/echo") }
        }
        await #expect(throws: ServiceCallError.circuitOpen(service: "user-service")) {
            try await client.execute(service: "user-service", method: .get, path: "/echo")
        }
    }

    @Test func overloadedAnswersAreRetriedOnlyForIdempotentCalls() async throws {
        try await withUpstreams { a, portA, b, portB in
            a.status.withLock { $0 = 503 }
            let client = Self.client(["http://127.0.0.1:\(portA)", "http://127.0.0.1:\(portB)"], breaker: .init(failureThreshold: 100))
            let get = try await client.execute(service: "user-service", method: .get, path: "/echo")
            #expect(String(buffer: get.body) == "b")
            // Round robin sends the next call to "a" first; a POST that got 503 is not repeated.
            let post = try await client.execute(service: "user-service", method: .post, path: "/echo")
            #expect(post.status == 503)
            #expect(b.hits.withLock { $0 } == 1)
            // Unless the caller knows it only reads.
            _ = try await client.execute(service: "user-service", method: .get, path: "/echo")
            let read = try await client.execute(service: "user-service", method: .post, path: "/echo", idempotent: true)
            #expect(String(buffer: read.body) == "b")
        }
    }

    @Test func theDeadlineBoundsTheWholeCallAndPropagates() async throws {
        try await withUpstreams { a, portA, _, _ in
            let client = Self.client(["http://127.0.0.1:\(portA)"])
            _ = try await client.execute(service: "user-service", method: .get, path: "/echo", timeout: .seconds(2))
            let sent = Int(a.lastHeaders.withLock { $0[HTTPField.Name("x-request-timeout-ms")!] } ?? "") ?? 0
            #expect((1...2000).contains(sent))
            a.delay.withLock { $0 = .seconds(3) }
            let started = ContinuousClock.now
            await #expect(throws: ServiceCallError.deadlineExceeded(service: "user-service")) {
                try await client.execute(service: "user-service", method: .get, path: "/echo", timeout: .milliseconds(300))
            }
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }

    @Test func requestIDTraceAndCallerBudgetPropagate() async throws {
        try await withUpstreams { a, portA, _, _ in
            let client = Self.client(["http://127.0.0.1:\(portA)"])
            let incoming: HTTPFields = [
                .requestID: "req-42", .traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                HTTPField.Name("x-request-timeout-ms")!: "3000",
            ]
            _ = try await RequestInfo.$current.withValue(RequestInfo(requestID: "req-42", clientAddress: nil, headers: incoming)) {
                try await client.execute(service: "user-service", method: .get, path: "/echo", timeout: .seconds(30))
            }
            let seen = a.lastHeaders.withLock { $0 }
            #expect(seen[.requestID] == "req-42")
            #expect(seen[.traceparent] == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            // The caller had 3 s left, less than this call's own 30 s: the smaller budget travels on. (A budget
            // of a few hundred milliseconds made the test fail when a loaded machine was slow to connect.)
            #expect((1...3000).contains(Int(seen[HTTPField.Name("x-request-timeout-ms")!] ?? "") ?? 0))
        }
    }

    @Test func noInstancesIsItsOwnError() async throws {
        let client = Self.client([])
        await #expect(throws: ServiceCallError.noInstances(service: "user-service")) {
            try await client.execute(service: "user-service", method: .get, path: "/echo")
        }
    }
}
