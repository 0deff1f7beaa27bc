import Foundation
import Testing
@testable import tradewind

@Suite struct OrderedJSONTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The route table reads and writes back byte for byte, so an added route is the only change in a diff.
    @Test func theRouteTableRoundTripsUnchanged() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("Services/Gateway/routes.json"), encoding: .utf8)
        #expect(OrderedJSON.render(try OrderedJSON.parse(text, file: "routes.json")) == text)
    }

    @Test func keysKeepTheirOrderAndValuesTheirTypes() throws {
        let text = #"{"z": 1, "a": [true, null, "t\"x\\y", 2.5], "m": {}, "e": []}"#
        let rendered = OrderedJSON.render(try OrderedJSON.parse(text, file: "test.json"))
        #expect(rendered == "{\n  \"z\": 1,\n  \"a\": [\n    true,\n    null,\n    \"t\\\"x\\\\y\",\n    2.5\n  ],\n  \"m\": {},\n  \"e\": []\n}\n")
        let decoded = try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String: Any]
        #expect((decoded?["a"] as? [Any])?.count == 4)
    }

    @Test func aFileThatIsNotJSONIsRefused() {
        #expect(throws: ContextGenerationError.self) { try OrderedJSON.parse("{\"routes\": [", file: "routes.json") }
    }
}
