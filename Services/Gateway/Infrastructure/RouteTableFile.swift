import Foundation
import GatewayDomain

/// The route table as written in `Services/Gateway/routes.json` (or the file `GATEWAY_ROUTES_FILE` names).
///
/// ```json
/// { "routes": [ { "name": "users", "prefix": "/api/users", "service": "user-service", "rewrite": "/users",
///                 "access": "authenticated", "rateLimit": { "perSecond": 20, "burst": 40, "key": "subject" },
///                 "timeoutMs": 5000, "maxBodyBytes": 65536 } ] }
/// ```
/// `access` is `public`, `authenticated` or `role:<role>[,<role>…]`.
public enum RouteTableFile {
    public static func load(contentsOf url: URL) throws -> RouteTable {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RouteTableError.invalid("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try parse(data)
    }

    public static func parse(_ data: Data) throws -> RouteTable {
        let document: Document
        do {
            let decoder = JSONDecoder()
            document = try decoder.decode(Document.self, from: data)
        } catch let error as DecodingError {
            throw RouteTableError.invalid("the route table is not valid: \(describe(error))")
        }
        return try RouteTable(document.routes.map { try $0.route() })
    }

    struct Document: Decodable {
        let routes: [Entry]
    }

    struct Entry: Decodable {
        struct Limit: Decodable {
            let perSecond: Double
            let burst: Int
            let key: String?
        }

        let name: String
        let prefix: String
        let service: String
        let rewrite: String?
        let access: String
        let rateLimit: Limit?
        let timeoutMs: Int?
        let maxBodyBytes: Int?

        func route() throws -> Route {
            let limit = try rateLimit.map { limit in
                guard let key = RateLimitKey(rawValue: limit.key ?? RateLimitKey.subject.rawValue) else {
                    throw RouteTableError.invalid("route '\(name)': rate limit key must be one of \(RateLimitKey.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return try RouteRateLimit(perSecond: limit.perSecond, burst: limit.burst, key: key)
            }
            return try Route(
                name: name, prefix: prefix, service: service, rewrite: rewrite ?? prefix, access: try parseAccess(), rateLimit: limit,
                timeoutMilliseconds: timeoutMs ?? 10_000, maximumBodyBytes: maxBodyBytes ?? 1 << 20
            )
        }

        func parseAccess() throws -> RouteAccess {
            switch access {
            case "public": return .public
            case "authenticated": return .authenticated
            case let rule where rule.hasPrefix("role:"):
                let roles = rule.dropFirst(5).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                return .anyRole(Set(roles))
            default:
                throw RouteTableError.invalid("route '\(name)': access must be public, authenticated or role:<role>[,<role>…], not '\(access)'")
            }
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' at \(path(context).isEmpty ? "top level" : path(context))"
        case .typeMismatch(let type, let context): return "\(path(context)) must be \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) must be \(type), not null"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
