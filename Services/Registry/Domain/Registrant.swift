/// Who asks to change the catalog or read settings. A service changes only instances of its own name; a settings
/// reader (the gateway) changes none; the operator changes any.
public enum Registrant: Sendable, Equatable {
    case service(String)
    case settingsReader(String)
    case `operator`

    public func mayChange(_ service: String) -> Bool {
        switch self {
        case .operator: true
        case .service(let name): name == service
        case .settingsReader: false
        }
    }

    public var description: String {
        switch self {
        case .operator: "the operator"
        case .service(let name): "service '\(name)'"
        case .settingsReader(let name): "the settings reader of '\(name)'"
        }
    }
}
