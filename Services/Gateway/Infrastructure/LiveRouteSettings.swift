import Foundation
import GatewayDomain

/// The gateway's settings that change without a restart (CONFIGURATION.md), kept in the registry under
/// `config/<environment>/gateway/`:
///
/// - `routes`: a whole route table, in the format of `routes.json`, in place of the file's;
/// - `route.<name>.timeoutMs`, `route.<name>.maxBodyBytes`, `route.<name>.rateLimit.perSecond` and
///   `route.<name>.rateLimit.burst`: one value of one route, over the table (a rate limit set on a route that had
///   none counts callers by subject, with a burst of twice the rate unless the burst is set too).
///
/// The table the gateway serves is the one these give over the file's; any of them that is not valid makes the whole
/// set invalid, so that a route is never served half changed.
public enum LiveRouteSettings {
    public static let routesSetting = "routes"

    /// The setting names of one route's values, as `name.components`.
    public enum Value: String, CaseIterable, Sendable {
        case timeoutMs
        case maxBodyBytes
        case rateLimitPerSecond = "rateLimit.perSecond"
        case rateLimitBurst = "rateLimit.burst"

        public func setting(ofRoute route: String) -> String { "route.\(route).\(rawValue)" }
    }

    /// The table these settings give: `lookUp` answers a setting's value by its name (`routes`,
    /// `route.orders.timeoutMs`), `nil` when it is not set.
    public static func table(over fileTable: RouteTable, lookUp: (String) -> String?) throws(RouteTableError) -> RouteTable {
        var base = fileTable
        if let document = lookUp(routesSetting) {
            do {
                base = try RouteTableFile.parse(Data(document.utf8))
            } catch let error as RouteTableError {
                throw .invalid("\(routesSetting): \(error)")
            } catch {
                throw .invalid("\(routesSetting): \(error)")
            }
        }
        return try RouteTable(base.routes.map { route throws(RouteTableError) in try overriding(route, lookUp: lookUp) })
    }

    static func overriding(_ route: Route, lookUp: (String) -> String?) throws(RouteTableError) -> Route {
        func number(_ value: Value) throws(RouteTableError) -> Double? {
            let setting = value.setting(ofRoute: route.name)
            guard let raw = lookUp(setting)?.trimmingCharacters(in: .whitespaces) else { return nil }
            guard let number = Double(raw), number.isFinite else { throw .invalid("\(setting): '\(raw.prefix(64))' is not a number") }
            return number
        }
        func whole(_ value: Value) throws(RouteTableError) -> Int? {
            guard let number = try number(value) else { return nil }
            guard number.rounded() == number, abs(number) < 1e15 else {
                throw .invalid("\(value.setting(ofRoute: route.name)): '\(number)' is not a whole number")
            }
            return Int(number)
        }
        let timeout = try whole(.timeoutMs), bodyBytes = try whole(.maxBodyBytes)
        let perSecond = try number(.rateLimitPerSecond), burst = try whole(.rateLimitBurst)
        guard timeout != nil || bodyBytes != nil || perSecond != nil || burst != nil else { return route }

        var rateLimit = route.rateLimit
        if perSecond != nil || burst != nil {
            guard let rate = perSecond ?? route.rateLimit?.perSecond else {
                throw .invalid("\(Value.rateLimitBurst.setting(ofRoute: route.name)): route '\(route.name)' has no rate limit; set \(Value.rateLimitPerSecond.setting(ofRoute: route.name)) too")
            }
            rateLimit = try RouteRateLimit(
                perSecond: rate, burst: burst ?? route.rateLimit?.burst ?? max(1, Int((rate * 2).rounded(.up))),
                key: route.rateLimit?.key ?? .subject
            )
        }
        return try Route(
            name: route.name, prefix: route.prefix, service: route.service, rewrite: route.rewrite, access: route.access, rateLimit: rateLimit,
            timeoutMilliseconds: timeout ?? route.timeoutMilliseconds, maximumBodyBytes: bodyBytes ?? route.maximumBodyBytes
        )
    }
}
