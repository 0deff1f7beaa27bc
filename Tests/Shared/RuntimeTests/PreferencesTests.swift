import Foundation
import HTTPTypes
import OpenAPIRuntime
import Synchronization
import Testing
import TradewindRuntime

@Suite struct PreferencesTests {
    @Test func readsRFC7240FieldsByName() {
        let preferences = Preferences(#"respond-async, WAIT = 10 ; foo=bar, return="minimal", return=representation, handling"#)
        #expect(preferences["wait"] == "10")
        #expect(preferences["Respond-Async"] == "")
        #expect(preferences["return"] == "minimal", "the first of a name given twice counts")
        #expect(preferences["handling"] == "")
        #expect(preferences["foo"] == nil, "a parameter is not a preference")
        #expect(preferences.returnsMinimal)
    }

    @Test func minimalOnlyWhenAsked() {
        #expect(!Preferences(nil).returnsMinimal)
        #expect(!Preferences("").returnsMinimal)
        #expect(!Preferences("return=representation").returnsMinimal)
        #expect(!Preferences("return").returnsMinimal)
        #expect(!Preferences(",,=minimal, ,").returnsMinimal)
        #expect(Preferences("Return=MINIMAL").returnsMinimal)
    }
}

@Suite struct PreferMinimalReturnTests {
    @Test func asksVerbatimOnTheNamedOperationsOnly() async throws {
        let middleware = PreferMinimalReturn(on: ["bookCargos"])
        let sent = Mutex<[String: String]>([:])
        for operation in ["bookCargos", "getCargo"] {
            _ = try await middleware.intercept(HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/x"), body: nil,
                                               baseURL: URL(string: "http://cargo")!, operationID: operation) { request, _, _ in
                sent.withLock { $0[operation] = request.headerFields[HTTPField.Name("Prefer")!] ?? "(none)" }
                return (HTTPResponse(status: .ok), nil)
            }
        }
        #expect(sent.withLock { $0 } == ["bookCargos": "return=minimal", "getCargo": "(none)"])
    }
}
