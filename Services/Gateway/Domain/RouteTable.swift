/// The gateway's routes, matched by longest prefix on path-segment boundaries.
public struct RouteTable: Sendable, Equatable {
    /// Longest prefix first, so the most specific route wins.
    public let routes: [Route]

    public init(_ routes: [Route]) throws(RouteTableError) {
        guard !routes.isEmpty else { throw .invalid("the route table has no routes") }
        var names: Set<String> = [], prefixes: Set<String> = []
        for route in routes {
            guard names.insert(route.name).inserted else { throw .invalid("two routes are named '\(route.name)'") }
            guard prefixes.insert(route.prefix).inserted else { throw .invalid("two routes have the prefix '\(route.prefix)'") }
        }
        self.routes = routes.sorted { $0.prefix.utf8.count > $1.prefix.utf8.count }
    }

    /// The services the table sends traffic to.
    public var services: [String] { Array(Set(routes.map(\.service))).sorted() }

    /// The route for a request path, refusing paths that could mean something else upstream than here
    /// (dot segments, encoded slashes or dots, backslashes, control characters).
    public func route(for path: String) throws(RouteResolutionError) -> Route {
        guard Self.isUnambiguous(path) else { throw .ambiguousPath }
        guard let route = routes.first(where: { $0.serves(path) }) else { throw .noRoute }
        return route
    }

    static func isUnambiguous(_ path: String) -> Bool {
        guard path.hasPrefix("/"), path.utf8.count <= 4096 else { return false }
        guard path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) else { return false }
        let lowered = path.lowercased()
        if lowered.contains("%2f") || lowered.contains("%2e") || lowered.contains("%5c") || lowered.contains("%00") { return false }
        return !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == "." || $0 == ".." }
    }
}

public enum RouteTableError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let reason): reason
        }
    }
}

public enum RouteResolutionError: Error, Equatable, Sendable {
    case noRoute
    case ambiguousPath
}
