import GatewayDomain
import TradewindKernel

/// Where and how an admitted request goes.
public struct ForwardPlan: Sendable, Equatable {
    public let route: Route
    /// The upstream path with the original query string.
    public let upstreamTarget: String
    /// The token bucket this request draws from, if the route is rate limited.
    public let rateLimitKey: String?
}

public enum AdmissionError: Error, Equatable, Sendable {
    case noRoute(path: String)
    case ambiguousPath
    case authenticationRequired
    case missingRole(required: Set<String>)
}

/// The edge's decision for one request: which route serves it, whether the caller may use it, and which bucket
/// it is counted in. Token verification happens before (in the interface), only for routes that need it.
public struct AdmitRequest: Sendable {
    public let table: RouteTable

    public init(table: RouteTable) { self.table = table }

    public func route(for path: String) throws(AdmissionError) -> Route {
        do {
            return try table.route(for: path)
        } catch .noRoute {
            throw .noRoute(path: path)
        } catch {
            throw .ambiguousPath
        }
    }

    public func plan(_ route: Route, path: String, query: String?, caller: Caller?, clientAddress: String?) throws(AdmissionError) -> ForwardPlan {
        guard route.admits(roles: caller?.roles) else {
            if caller == nil { throw .authenticationRequired }
            if case .anyRole(let required) = route.access { throw .missingRole(required: required) }
            throw .authenticationRequired
        }
        let upstream = route.upstreamPath(for: path)
        return ForwardPlan(
            route: route,
            upstreamTarget: query.map { $0.isEmpty ? upstream : "\(upstream)?\($0)" } ?? upstream,
            rateLimitKey: route.rateLimit.map { Self.bucketKey($0.key, caller: caller, clientAddress: clientAddress) }
        )
    }

    static func bucketKey(_ key: RateLimitKey, caller: Caller?, clientAddress: String?) -> String {
        if key == .subject, let subject = caller?.subject { return "subject:\(subject)" }
        return "address:\(clientAddress ?? "unknown")"
    }
}
