import Foundation

/// What the cart context publishes: its HTTP API (`openapi.yaml`, with the `Client` and the types generated
/// from it).
/// Other contexts import this target and nothing else of the cart context.
public enum CartContract {
    /// The name the cart service registers and is discovered under.
    public static let service = "cart-service"

    /// The OpenAPI document, as the service serves it at `GET /openapi.yaml`.
    public static func openAPIDocument() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { throw CocoaError(.fileNoSuchFile) }
        return try Data(contentsOf: url)
    }
}
