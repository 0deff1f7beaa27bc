import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import RegistryDomain

/// Runs HTTP and TCP checks the way a Consul agent does: an HTTP check passes on 2xx, warns on 429 and is critical
/// otherwise or when the request fails or times out; a TCP check passes when a connection opens in time.
public final class NetworkHealthProber: HealthProber {
    private let verifyingClient: HTTPClient
    /// For checks registered with `TLSSkipVerify` (self-signed certificates on internal endpoints).
    private let nonVerifyingClient: HTTPClient
    private let group: any EventLoopGroup

    /// Bodies are read only this far: the output shows their start, as Consul's does.
    static let outputBytes = 4096

    public init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        group = eventLoopGroup
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        verifyingClient = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: configuration)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        configuration.tlsConfiguration = tls
        nonVerifyingClient = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: configuration)
    }

    public func shutdown() async throws {
        try await verifyingClient.shutdown()
        try await nonVerifyingClient.shutdown()
    }

    public func probe(_ probe: Catalog.Probe) async -> ProbeResult {
        switch probe.kind {
        case .ttl:
            ProbeResult(status: .critical, output: "TTL checks are reported by the service, not probed")
        case .http(let target, _):
            await probeHTTP(target, timeout: probe.timeout)
        case .tcp(let host, let port, _):
            await probeTCP(host: host, port: port, timeout: probe.timeout)
        }
    }

    private func probeHTTP(_ target: HealthCheck.HTTPProbe, timeout: Duration) async -> ProbeResult {
        let summary = "HTTP \(target.method) \(target.url.absoluteString)"
        var request = HTTPClientRequest(url: target.url.absoluteString)
        request.method = HTTPMethod(rawValue: target.method)
        request.headers.add(name: "User-Agent", value: "Tradewind Registry Health Check")
        request.headers.add(name: "Accept", value: "text/plain, text/*, */*")
        // A fresh connection per probe, as Consul's checks do (keep-alives off): a pooled connection the endpoint
        // has since closed would fail the probe ("I/O on closed channel") although the endpoint is fine.
        request.headers.add(name: "Connection", value: "close")
        for (name, values) in target.headers {
            request.headers.remove(name: name)
            for value in values { request.headers.add(name: name, value: value) }
        }
        if let body = target.body { request.body = .bytes(ByteBuffer(string: body)) }
        let client = target.skipsTLSVerification ? nonVerifyingClient : verifyingClient
        do {
            let response = try await client.execute(request, timeout: Self.timeAmount(timeout))
            var body = ByteBuffer()
            for try await var part in response.body {
                body.writeBuffer(&part)
                if body.readableBytes >= Self.outputBytes { break }
            }
            let text = String(buffer: body.getSlice(at: body.readerIndex, length: min(body.readableBytes, Self.outputBytes)) ?? ByteBuffer())
            let output = "\(summary): \(response.status.code) \(response.status.reasonPhrase) Output: \(text)"
            switch response.status.code {
            case 200..<300: return ProbeResult(status: .passing, output: output)
            case 429: return ProbeResult(status: .warning, output: output)
            default: return ProbeResult(status: .critical, output: output)
            }
        } catch {
            return ProbeResult(status: .critical, output: "\(summary): \(Self.describe(error))")
        }
    }

    private func probeTCP(host: String, port: Int, timeout: Duration) async -> ProbeResult {
        let summary = "TCP connect \(host):\(port)"
        let bootstrap = ClientBootstrap(group: group).connectTimeout(Self.timeAmount(timeout))
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            try? await channel.close()
            return ProbeResult(status: .passing, output: "\(summary): Success")
        } catch {
            return ProbeResult(status: .critical, output: "\(summary): \(Self.describe(error))")
        }
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout:
            "timed out"
        case is ChannelError:
            "\(error)"
        case let error as IOError:
            error.description
        default:
            String(describing: error)
        }
    }
}
