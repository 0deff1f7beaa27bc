import Testing
import TradewindRuntime

@Suite struct TrustedProxiesTests {
    @Test func parsesAddressesAndNetworks() throws {
        let proxies = try TrustedProxies(parsing: "127.0.0.1, 10.0.0.0/8,fd00::/8")
        #expect(proxies.trusts("127.0.0.1"))
        #expect(!proxies.trusts("127.0.0.2"))
        #expect(proxies.trusts("10.200.3.4"))
        #expect(!proxies.trusts("11.0.0.1"))
        #expect(proxies.trusts("fd12::1"))
        #expect(!proxies.trusts("fe80::1"))
        #expect(!proxies.trusts("not-an-address"))
        #expect(throws: TrustedProxiesError.self) { try TrustedProxies(parsing: "10.0.0.0/33") }
        #expect(throws: TrustedProxiesError.self) { try TrustedProxies(parsing: "gateway") }
    }

    @Test func theClientIsTheLastUntrustedHop() throws {
        let proxies = try TrustedProxies(parsing: "127.0.0.1,10.0.0.0/8")
        // Behind the gateway (127.0.0.1) and an ingress (10.1.1.1): the address the ingress saw.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: "198.51.100.7, 10.1.1.1") == "198.51.100.7")
        // Whatever the client claimed before that is not believed.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: "1.2.3.4, 198.51.100.7") == "198.51.100.7")
        // An untrusted peer's header is ignored.
        #expect(proxies.clientAddress(peer: "203.0.113.5", forwardedFor: "1.2.3.4") == "203.0.113.5")
        // Garbage in the chain stops the walk at the last hop that parsed.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: "junk") == "127.0.0.1")
        #expect(TrustedProxies.none.clientAddress(peer: "127.0.0.1", forwardedFor: "1.2.3.4") == "127.0.0.1")
        #expect(TrustedProxies.loopback.clientAddress(peer: "::1", forwardedFor: "2001:db8::9") == "2001:db8::9")
    }
}
