import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Registers this service instance with the registry (Consul's agent API), keeps its TTL check passing, registers
/// again when the registry has forgotten it (a 404 after a registry restart), and deregisters on graceful shutdown.
/// An unreachable registry never stops the service: the agent logs and keeps trying.
public struct RegistryAgent: Service {
    /// The metadata key of a random value each start of a process registers, which tells callers that an instance
    /// of the same id is a new process (``ServiceEndpoint/incarnation``).
    public static let incarnationKey = "incarnation"

    public struct Instance: Sendable {
        public var id: String
        public var service: String
        public var address: String
        public var port: Int
        public var tags: [String]
        public var metadata: [String: String]
        public var ttl: Duration

        public init(id: String, service: String, address: String, port: Int, tags: [String] = [], metadata: [String: String] = [:], ttl: Duration = .seconds(10)) {
            self.id = id
            self.service = service
            self.address = address
            self.port = port
            self.tags = tags
            self.metadata = metadata
            self.ttl = ttl
        }
    }

    let registryURL: String
    let token: String
    let instance: Instance
    let httpClient: HTTPClient
    let logger: Logger

    public init(registryURL: String, token: String, instance: Instance, httpClient: HTTPClient = .shared, logger: Logger) {
        self.registryURL = registryURL.hasSuffix("/") ? String(registryURL.dropLast()) : registryURL
        self.token = token
        self.instance = instance
        self.httpClient = httpClient
        self.logger = logger
    }

    public func run() async throws {
        var registered = false
        var failures = 0
        let heartbeatEvery = instance.ttl / 3
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                if registered {
                    let status = try await send(.PUT, "/v1/agent/check/pass/service:\(instance.id)", body: nil)
                    if status == 404 {
                        logger.notice("the registry forgot this instance; registering again")
                        registered = false
                        continue
                    }
                    guard status == 200 else { throw RegistryAgentError(status: status) }
                } else {
                    let status = try await send(.PUT, "/v1/agent/service/register", body: registration())
                    guard status == 200 else { throw RegistryAgentError(status: status) }
                    registered = true
                    logger.info("registered with the registry", metadata: ["registry": "\(registryURL)", "instance": "\(instance.id)"])
                }
                failures = 0
                // Wake at once on graceful shutdown, so deregistration does not wait for the next heartbeat.
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: heartbeatEvery) }
            } catch {
                failures += 1
                if failures == 1 || failures.isMultiple(of: 20) {
                    logger.warning("registry unreachable; will keep trying", metadata: ["error": "\(error)", "attempts": "\(failures)"])
                }
                let backoff = min(Duration.seconds(5), .milliseconds(250) * (1 << min(failures, 5)))
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: backoff) }
            }
        }
        if registered {
            do {
                _ = try await send(.PUT, "/v1/agent/service/deregister/\(instance.id)", body: nil)
                logger.info("deregistered from the registry")
            } catch {
                logger.notice("could not deregister; the registry drops this instance when its health check expires", metadata: ["error": "\(error)"])
            }
        }
    }

    private func registration() throws -> ByteBuffer {
        struct Check: Encodable {
            let TTL: String, DeregisterCriticalServiceAfter: String, Status: String
        }
        struct Registration: Encodable {
            let ID: String, Name: String, Address: String, Port: Int, Tags: [String], Meta: [String: String], Check: Check
        }
        let body = Registration(
            ID: instance.id, Name: instance.service, Address: instance.address, Port: instance.port, Tags: instance.tags,
            Meta: instance.metadata, Check: Check(TTL: "\(instance.ttl.components.seconds)s", DeregisterCriticalServiceAfter: "1m", Status: "passing")
        )
        return ByteBuffer(bytes: try JSONEncoder().encode(body))
    }

    private func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer?) async throws -> Int {
        var request = HTTPClientRequest(url: registryURL + path)
        request.method = method
        request.headers.add(name: "X-Consul-Token", value: token)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let response = try await httpClient.execute(request, timeout: .seconds(2))
        _ = try await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}

struct RegistryAgentError: Error, CustomStringConvertible {
    let status: Int
    var description: String {
        switch status {
        case 401, 403: "the registry refused this service's registry token (HTTP \(status)): REGISTRY_TOKEN must be this service's own token"
        default: "the registry answered HTTP \(status)"
        }
    }
}
