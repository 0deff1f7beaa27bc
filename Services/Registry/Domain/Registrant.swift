/// Who asks to change the catalog. A service changes only instances of its own name; the operator changes any.
public enum Registrant: Sendable, Equatable {
    case service(String)
    case `operator`

    public func mayChange(_ service: String) -> Bool {
        switch self {
        case .operator: true
        case .service(let name): name == service
        }
    }

    public var description: String {
        switch self {
        case .operator: "the operator"
        case .service(let name): "service '\(name)'"
        }
    }
}
