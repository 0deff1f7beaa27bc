import Foundation

/// What the user context publishes: its HTTP API (`openapi.yaml`, with the `Client` and the types generated
/// from it).
/// Other contexts import this target and nothing else of the user context.
public enum UserContract {
    /// The name the user service registers and is discovered under.
    public static let service = "user-service"

    /// The OpenAPI document, as the service serves it at `GET /openapi.yaml`.
    public static func openAPIDocument() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { throw CocoaError(.fileNoSuchFile) }
        return try Data(contentsOf: url)
    }
}
