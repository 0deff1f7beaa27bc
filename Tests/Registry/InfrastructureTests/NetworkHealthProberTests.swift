import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import RegistryDomain
import RegistryInfrastructure
import Testing
import TradewindTesting

@Suite struct NetworkHealthProberTests {
    let started = Date()

    /// Consul's default timeout: an answer that is merely slow on a loaded machine is still an answer. The timeout
    /// itself is tested with a short one.
    func httpProbe(_ url: String, timeout: Duration = .seconds(10)) -> Catalog.Probe {
        Catalog.Probe(checkID: "c", kind: .http(.init(url: URL(string: url)!), interval: .seconds(1)), timeout: timeout, startedAt: started)
    }

    /// A live server whose `/status/{code}` answers that code and whose `/slow` answers after two seconds.
    func withServer(_ test: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("/status/{code}") { _, context -> Response in
            Response(status: .init(code: Int(try context.parameters.require("code")) ?? 500), body: .init(byteBuffer: ByteBuffer(string: "body of the answer")))
        }
        router.get("/slow") { _, _ -> String in
            try await Task.sleep(for: .seconds(2))
            return "late"
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            try await test(client.port!)
        }
    }

    @Test func anHTTPCheckPassesOn2xxWarnsOn429AndIsCriticalOtherwise() async throws {
        let prober = NetworkHealthProber()
        try await withServer { port in
            let ok = await prober.probe(httpProbe("http://127.0.0.1:\(port)/status/204"))
            #expect(ok.status == .passing, "\(ok.output)")
            #expect(ok.output.hasPrefix("HTTP GET http://127.0.0.1:\(port)/status/204: 204"))
            let busy = await prober.probe(httpProbe("http://127.0.0.1:\(port)/status/429"))
            #expect(busy.status == .warning, "\(busy.output)")
            let down = await prober.probe(httpProbe("http://127.0.0.1:\(port)/status/503"))
            #expect(down.status == .critical, "\(down.output)")
            #expect(down.output.contains("body of the answer"))
            let slow = await prober.probe(httpProbe("http://127.0.0.1:\(port)/slow", timeout: .milliseconds(300)))
            #expect(slow.status == .critical)
            #expect(slow.output.contains("timed out"), "\(slow.output)")
        }
        try await prober.shutdown()
    }

    @Test func checksAgainstAClosedPortAreCritical() async throws {
        let prober = NetworkHealthProber()
        let port = try DeadPorts.reserve()
        let http = await prober.probe(httpProbe("http://127.0.0.1:\(port)/health"))
        #expect(http.status == .critical)
        let tcp = await prober.probe(Catalog.Probe(checkID: "t", kind: .tcp(host: "127.0.0.1", port: port, interval: .seconds(1)), timeout: .seconds(1), startedAt: started))
        #expect(tcp.status == .critical)
        #expect(tcp.output.hasPrefix("TCP connect 127.0.0.1:\(port): "))
        try await prober.shutdown()
    }

    @Test func aTCPCheckPassesWhenTheConnectionOpens() async throws {
        let prober = NetworkHealthProber()
        try await withServer { port in
            let result = await prober.probe(Catalog.Probe(checkID: "t", kind: .tcp(host: "127.0.0.1", port: port, interval: .seconds(1)), timeout: .seconds(1), startedAt: started))
            #expect(result.status == .passing)
            #expect(result.output == "TCP connect 127.0.0.1:\(port): Success")
        }
        try await prober.shutdown()
    }
}
