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

    /// One pass over the bytes, since it runs on every request.
    static func isUnambiguous(_ path: String) -> Bool {
        let bytes = path.utf8
        guard bytes.first == UInt8(ascii: "/"), bytes.count <= 4096 else { return false }
        var segmentLength = 0, dotsInSegment = 0
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            guard byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return false }
            if byte == UInt8(ascii: "/") {
                if segmentLength > 0, segmentLength == dotsInSegment, dotsInSegment <= 2 { return false }
                segmentLength = 0
                dotsInSegment = 0
            } else {
                segmentLength += 1
                if byte == UInt8(ascii: ".") { dotsInSegment += 1 }
                if byte == UInt8(ascii: "%") {
                    // Encoded slash, dot, backslash or NUL: the upstream might decode it into something else.
                    let first = bytes.index(after: index)
                    guard first != bytes.endIndex else { return false }
                    let second = bytes.index(after: first)
                    guard second != bytes.endIndex else { return false }
                    let code = String(decoding: [bytes[first] | 0x20, bytes[second] | 0x20], as: UTF8.self)
                    if ["2f", "2e", "5c", "00"].contains(code) { return false }
                }
            }
            index = bytes.index(after: index)
        }
        return !(segmentLength > 0 && segmentLength == dotsInSegment && dotsInSegment <= 2)
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
