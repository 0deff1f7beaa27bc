import GatewayApplication
import GatewayDomain
import Synchronization
import TradewindRuntime

/// What the proxy decides by, swapped whole when a setting changes while the gateway runs: the route table, the
/// rate limiters of its routes and the browser origins allowed (CORS). A request reads ``current`` once and is
/// served by that snapshot to its end.
public final class GatewayRouting: Sendable {
    public struct Snapshot: Sendable {
        public let admission: AdmitRequest
        /// One limiter per rate-limited route, by route name: admission never takes a lock shared by all routes.
        let limiters: [String: ShardedRateLimiter]
        /// Origins whose pages may call the API (`https://shop.example.com`); none: no CORS answers.
        public let corsOrigins: Set<String>

        public var table: RouteTable { admission.table }

        func limiter(of route: Route) -> ShardedRateLimiter? { limiters[route.name] }
    }

    private let snapshot: Mutex<Snapshot>

    public init(table: RouteTable, corsOrigins: Set<String> = []) {
        snapshot = Mutex(Snapshot(
            admission: AdmitRequest(table: table), limiters: Self.limiters(for: table, keeping: [:], of: nil), corsOrigins: corsOrigins
        ))
    }

    public var current: Snapshot { snapshot.withLock { $0 } }

    /// Serves `table` from the next request on. A route whose limit is unchanged keeps its limiter, so that the
    /// callers' buckets are not refilled by an unrelated change; a changed limit starts with full buckets.
    /// Answers whether anything changed.
    @discardableResult
    public func replace(with table: RouteTable) -> Bool {
        snapshot.withLock { snapshot in
            guard snapshot.table != table else { return false }
            snapshot = Snapshot(
                admission: AdmitRequest(table: table),
                limiters: Self.limiters(for: table, keeping: snapshot.limiters, of: snapshot.table), corsOrigins: snapshot.corsOrigins
            )
            return true
        }
    }

    /// Allows `origins` from the next request on; answers whether they changed.
    @discardableResult
    public func allow(origins: Set<String>) -> Bool {
        snapshot.withLock { snapshot in
            guard snapshot.corsOrigins != origins else { return false }
            snapshot = Snapshot(admission: snapshot.admission, limiters: snapshot.limiters, corsOrigins: origins)
            return true
        }
    }

    private static func limiters(for table: RouteTable, keeping existing: [String: ShardedRateLimiter], of previous: RouteTable?) -> [String: ShardedRateLimiter] {
        let previousLimits = Dictionary(uniqueKeysWithValues: (previous?.routes ?? []).map { ($0.name, $0.rateLimit) })
        var limiters: [String: ShardedRateLimiter] = [:]
        for route in table.routes {
            guard let limit = route.rateLimit else { continue }
            if let kept = existing[route.name], previousLimits[route.name] == limit {
                limiters[route.name] = kept
            } else {
                limiters[route.name] = ShardedRateLimiter(limit: .init(ratePerSecond: limit.perSecond, capacity: limit.burst))
            }
        }
        return limiters
    }
}
