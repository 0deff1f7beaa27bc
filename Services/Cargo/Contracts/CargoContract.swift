import Foundation

/// What the cargo context publishes: its HTTP API (`openapi.yaml`, with the `Client` and the types generated
/// from it) and its integration events, one type per file.
/// Other contexts import this target and nothing else of the cargo context.
public enum CargoContract {
    /// The name the cargo service registers and is discovered under.
    public static let service = "cargo-service"

    /// The OpenAPI document, as the service serves it at `GET /openapi.yaml`.
    public static func openAPIDocument() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { throw CocoaError(.fileNoSuchFile) }
        return try Data(contentsOf: url)
    }
}
