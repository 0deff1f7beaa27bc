import Foundation
import Logging

/// The form of every setting that changes without a restart (the table in CONFIGURATION.md), so that the registry
/// can refuse a value no service could use when it is written, rather than leave each service to ignore it. A
/// service still checks what it reads (a value may need more than its form, such as a whole route table), and
/// settings the catalog does not know are taken as they come.
public enum SettingCatalog {
    /// Why `value` cannot be stored under the registry key `key`, when the key is a setting
    /// (`config/<environment>/<service>/<setting>`) of a form the catalog knows; `nil` otherwise.
    public static func problem(key: String, value: [UInt8]) -> String? {
        let parts = key.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "config" else { return nil }
        guard let text = String(bytes: value, encoding: .utf8) else { return "a setting's value must be UTF-8 text" }
        return problem(setting: String(parts[3]), value: text)
    }

    /// Why `value` cannot be the setting named `setting` (`log.level`, `route.orders.timeoutMs`), or `nil`.
    public static func problem(setting: String, value: String) -> String? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        switch setting {
        case LogLevelSetting.name:
            return LogLevelSetting.parse(trimmed) == nil ? "log.level must be one of \(LogLevelSetting.levels)" : nil
        case MaintenanceMode.name, "checkout.hold":
            return LiveSwitch.parse(trimmed) == nil ? "\(setting) must be on or off" : nil
        case "routes":
            return routeTableProblem(value)
        case storefrontOriginSetting:
            return origins(value) == nil
                ? "storefront.origin must be browser origins (https://shop.example.com[:port]), separated by commas" : nil
        default:
            break
        }
        let parts = setting.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "route", !parts[1].isEmpty else { return nil }
        switch parts[2] {
        case "timeoutMs":
            return whole(trimmed, in: 1...300_000) ? nil : "\(setting) must be a whole number of milliseconds from 1 to 300000"
        case "maxBodyBytes":
            return whole(trimmed, in: 0...Int(Int32.max)) ? nil : "\(setting) must be a whole number of bytes, 0 or more"
        case "rateLimit.perSecond":
            return Double(trimmed).map { $0 > 0 && $0.isFinite } == true ? nil : "\(setting) must be a number of requests per second above 0"
        case "rateLimit.burst":
            return whole(trimmed, in: 1...Int(Int32.max)) ? nil : "\(setting) must be a whole number of requests, 1 or more"
        default:
            return nil
        }
    }

    /// `STOREFRONT_ORIGIN`: the browser origins allowed to call the API from another host (CORS).
    public static let storefrontOriginSetting = "storefront.origin"

    /// Browser origins as a list separated by commas or spaces, each `http(s)://host[:port]` as browsers send it in
    /// `Origin` (lower case, no default port, no path); `nil` when one is not an origin. An empty text is no origin.
    public static func origins(_ text: String) -> [String]? {
        var origins: [String] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            guard let components = URLComponents(string: String(item)), let scheme = components.scheme?.lowercased(),
                  ["http", "https"].contains(scheme), let host = components.host?.lowercased(), !host.isEmpty,
                  components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil,
                  components.user == nil, components.password == nil else { return nil }
            let authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            let defaultPort = scheme == "https" ? 443 : 80
            let origin = components.port.map { $0 == defaultPort ? "\(scheme)://\(authority)" : "\(scheme)://\(authority):\($0)" } ?? "\(scheme)://\(authority)"
            if !origins.contains(origin) { origins.append(origin) }
        }
        return origins
    }

    private static func whole(_ text: String, in range: ClosedRange<Int>) -> Bool {
        Int(text).map(range.contains) == true
    }

    /// The gateway checks the routes themselves; here only the shape: a JSON object with a list of routes.
    private static func routeTableProblem(_ value: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any] else {
            return "routes must be a route table in JSON, as in Services/Gateway/routes.json"
        }
        guard let routes = object["routes"] as? [Any], !routes.isEmpty, routes.allSatisfy({ $0 is [String: Any] }) else {
            return "routes must hold a non-empty list \"routes\" of route objects"
        }
        return nil
    }
}
