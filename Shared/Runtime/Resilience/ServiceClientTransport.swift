import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import OpenAPIRuntime

/// Carries the calls of a client generated from another context's `openapi.yaml` through the ``ServiceClient``:
/// discovery of `service`, balancing, breakers, retries where safe, the deadline, and this service's token unless
/// the call carries its own `Authorization` (see ``ForwardedAuthorization``). The generated client's server URL
/// is ignored: the instance comes from discovery.
public struct ServiceClientTransport: ClientTransport {
    let client: ServiceClient
    let service: String
    let timeout: Duration?
    let maximumRequestBytes: Int
    let idempotentOperations: Set<String>

    /// `idempotentOperations` names, by operation id, the calls that may be repeated after they may have arrived
    /// although their method is not idempotent (a POST that only reads); the others are retried as their method allows.
    public init(_ client: ServiceClient, service: String, timeout: Duration? = nil, maximumRequestBytes: Int = 8 << 20,
                idempotentOperations: Set<String> = []) {
        self.client = client
        self.service = service
        self.timeout = timeout
        self.maximumRequestBytes = maximumRequestBytes
        self.idempotentOperations = idempotentOperations
    }

    /// The server URL to give a generated client: the service's name, which nothing resolves.
    public static func serverURL(for service: String) -> URL { URL(string: "http://\(service)")! }

    /// Names a generated client's answer in a message: its documented case (`unauthorized`, `notFound`), or the
    /// status of an undocumented or default one (`HTTP 502`).
    /// The status of an answer the generated client could not read (an unknown route's empty 404, say), if the
    /// call got that far.
    public static func unreadAnswerStatus(of error: any Error) -> Int? {
        (error as? ClientError)?.response.map { Int($0.status.code) }
    }

    public static func describe(_ output: Any) -> String {
        guard let answer = Mirror(reflecting: output).children.first, let label = answer.label else { return "\(output)" }
        let status = Mirror(reflecting: answer.value).children.first { $0.label == "statusCode" }?.value as? Int
        return status.map { "HTTP \($0)" } ?? label
    }

    public func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        var headers = HTTPHeaders()
        for field in request.headerFields { headers.add(name: field.name.canonicalName, value: field.value) }
        var payload: ByteBuffer?
        if let body { payload = ByteBuffer(bytes: try await [UInt8](collecting: body, upTo: maximumRequestBytes)) }
        let answer = try await client.execute(service: service, method: request.method, path: request.path ?? "/", headers: headers,
                                              body: payload, timeout: timeout, idempotent: idempotentOperations.contains(operationID) ? true : nil)
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        let status = HTTPResponse.Status(code: answer.status)
        return (HTTPResponse(status: status, headerFields: fields), HTTPBody(Array(answer.body.readableBytesView)))
    }
}

/// Sends the caller's own credentials instead of the service token: a call made on behalf of a customer (the
/// order service reading the customer's cart) carries the customer's bearer token.
public struct ForwardedAuthorization: ClientMiddleware {
    let bearerToken: String

    public init(bearerToken: String) { self.bearerToken = bearerToken }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(bearerToken)"
        return try await next(request, body, baseURL)
    }
}
