/// Why `tradewind new context` refused or stopped. Nothing in the repository is changed when it is thrown.
enum ContextGenerationError: Error, Equatable, CustomStringConvertible {
    case invalidName(String, String)
    case alreadyExists(String, String)
    case invalidPort(Int, String)
    case invalidConsumedEvent(String, String)
    case invalidPublishedEvent(String, String)
    case notARepository(String)
    case missingMarker(file: String, marker: String)
    case unreadableFile(String, String)
    case template(String, String)
    case writeFailed(String, String)

    var description: String {
        switch self {
        case .invalidName(let name, let why): "invalid context name '\(name)': \(why)"
        case .alreadyExists(let name, let where_): "a context named \(name) exists already (\(where_)); nothing was written"
        case .invalidPort(let port, let why): "port \(port) cannot be used: \(why)"
        case .invalidConsumedEvent(let event, let why): "--consumes \(event): \(why)"
        case .invalidPublishedEvent(let event, let why): "--publishes \(event): \(why)"
        case .notARepository(let path): "\(path) is not the root of a Tradewind checkout (no Package.swift naming Tradewind); run the command there or pass --repository"
        case .missingMarker(let file, let marker): "\(file) has no line containing '\(marker)', where the new context is registered; restore it and run again"
        case .unreadableFile(let file, let why): "cannot read \(file): \(why)"
        case .template(let file, let why): "template \(file): \(why)"
        case .writeFailed(let file, let why): "writing \(file) failed (\(why)); every change was undone"
        }
    }
}
