import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The preferences of an RFC 7240 `Prefer` field, by name (compared without case). A preference's value loses its
/// quotes; its parameters (after `;`) are ignored; of a name given twice the first counts, as the RFC says.
public struct Preferences: Sendable, Equatable {
    private let values: [String: String]

    /// `nil` or an empty field prefers nothing.
    public init(_ field: String?) {
        var values: [String: String] = [:]
        for preference in (field ?? "").split(separator: ",") {
            let nameAndValue = preference.prefix { $0 != ";" }.split(separator: "=", maxSplits: 1)
            guard let name = nameAndValue.first?.trimmingCharacters(in: .whitespaces).lowercased(), !name.isEmpty, values[name] == nil else { continue }
            var value = nameAndValue.count == 2 ? nameAndValue[1].trimmingCharacters(in: .whitespaces) : ""
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
            values[name] = value
        }
        self.values = values
    }

    /// The value of the preference `name`: `""` when it is given without one, `nil` when it is not given.
    public subscript(name: String) -> String? { values[name.lowercased()] }

    /// `return=minimal`: the client wants the outcome, not the resource.
    public var returnsMinimal: Bool { self["return"]?.lowercased() == "minimal" }

    public static let fieldName = HTTPField.Name("Prefer")!
    public static let appliedFieldName = HTTPField.Name("Preference-Applied")!

    /// The preference a client sends for minimal answers, and what `Preference-Applied` says when one was given.
    public static let returnMinimal = "return=minimal"
}

/// Asks for minimal answers (`Prefer: return=minimal`) on the operations named. A generated client percent-encodes
/// the value of a declared header parameter (`return%3Dminimal`), so the field is set here, as it goes on the wire.
public struct PreferMinimalReturn: ClientMiddleware {
    let operationIDs: Set<String>

    public init(on operationIDs: Set<String>) { self.operationIDs = operationIDs }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationIDs.contains(operationID) else { return try await next(request, body, baseURL) }
        var request = request
        request.headerFields[Preferences.fieldName] = Preferences.returnMinimal
        return try await next(request, body, baseURL)
    }
}
