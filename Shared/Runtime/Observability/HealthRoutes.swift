import Foundation
import Hummingbird
import NIOCore

/// A named readiness condition, e.g. "database" or "migrations". Throws or returns a reason when not ready.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let check: @Sendable () async -> String?

    /// `check` returns `nil` when ready, or why not.
    public init(_ name: String, check: @escaping @Sendable () async -> String?) {
        self.name = name
        self.check = check
    }

    /// Ready once `store` is migrated to the latest version `migrator` knows.
    public static func migrations(_ migrator: Migrator, in store: any SQLStore) -> ReadinessCheck {
        ReadinessCheck("migrations") {
            guard let applied = try? await migrator.appliedVersion(store) else { return "database unreachable" }
            return applied == migrator.latestVersion ? nil : "schema at version \(applied) of \(migrator.latestVersion)"
        }
    }
}

public enum HealthRoutes {
    /// `GET /health/live` (the process answers) and `GET /health/ready` (every check passes; 503 otherwise).
    public static func add<Context: RequestContext>(to router: Router<Context>, checks: [ReadinessCheck]) {
        router.get("/health/live") { _, _ in
            json(.ok, ["status": "up"])
        }
        router.get("/health/ready") { _, _ in
            var failures: [String: String] = [:]
            for check in checks {
                if let reason = await check.check() { failures[check.name] = reason }
            }
            if failures.isEmpty {
                return json(.ok, ["status": "ready", "checks": Dictionary(uniqueKeysWithValues: checks.map { ($0.name, "ok") })])
            }
            return json(.serviceUnavailable, ["status": "not ready", "checks": failures])
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ object: [String: any Sendable]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
