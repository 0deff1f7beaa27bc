import CargoServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import Testing
import TradewindKernel
import TradewindRuntime
import TradewindTesting

/// The cargo lifecycle over HTTP, as the booking desk (admin), port staff (operator) and the public see it.
@Suite struct CargoAPITests {
    static let key = ES256PrivateKey()
    let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "cargo-test")
        logger.logLevel = .warning
        let app = try await CargoService.buildApplication(
            CargoServiceConfiguration(runtime: RuntimeSettings(serviceName: "cargo-service", port: 0, database: .sqliteInMemory)),
            keys: LocalKeySource(await .ecdsa([("k1", Self.key.publicKey)])), clock: clock, logger: logger
        )
        try await app.test(.router, test)
    }

    /// A token issued at the service's (test) clock time.
    static func headers(_ roles: [String], json: Bool = true, at now: Date = Date(timeIntervalSince1970: 1_800_000_000)) async throws -> HTTPFields {
        let token = try await JWTKeyCollection().add(ecdsa: key, kid: "k1").sign(AccessTokenClaims(
            subject: "someone", issuer: RuntimeSettings.defaultIssuer, audience: RuntimeSettings.defaultAudience, roles: roles,
            issuedAt: now, lifetime: 365 * 86_400, id: UUID().uuidString
        ), kid: "k1")
        var fields: HTTPFields = [.authorization: "Bearer \(token)"]
        if json { fields[.contentType] = "application/json" }
        return fields
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] ?? [:]
    }

    static func time(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }

    @Test func bookRouteHandleAndTrackOverHTTP() async throws {
        let clock = self.clock
        try await run { client in
            let admin = try await Self.headers(["admin"]), operatorHeaders = try await Self.headers(["operator"])
            let deadline = Self.time(clock.now().addingTimeInterval(100 * 86_400))
            let refused = try await client.execute(uri: "/cargos", method: .post, headers: operatorHeaders,
                                                   body: ByteBuffer(string: #"{"origin":"CNHKG","destination":"SESTO","arrivalDeadline":"\#(deadline)"}"#))
            #expect(refused.status == .forbidden)
            let booked = try await client.execute(uri: "/cargos", method: .post, headers: admin,
                                                  body: ByteBuffer(string: #"{"origin":"CNHKG","destination":"SESTO","arrivalDeadline":"\#(deadline)"}"#))
            #expect(booked.status == .created)
            let id = try #require(try Self.object(booked)["trackingId"] as? String)

            let publicView = try Self.object(try await client.execute(uri: "/tracking/\(id)", method: .get))
            #expect(publicView["statusText"] as? String == "Not received")
            #expect(publicView["nextExpectedActivity"] == nil)
            #expect(publicView["itinerary"] == nil, "not routed yet")

            let routes = try Self.object(try await client.execute(uri: "/cargos/\(id)/routes", method: .get, headers: admin))
            let first = try #require((routes["items"] as? [[String: Any]])?.first)
            let itinerary = try JSONSerialization.data(withJSONObject: first)
            let assigned = try await client.execute(uri: "/cargos/\(id)/itinerary", method: .put, headers: admin, body: ByteBuffer(bytes: itinerary))
            #expect(assigned.status == .ok)
            #expect((try Self.object(assigned)["delivery"] as? [String: Any])?["routingStatus"] as? String == "ROUTED")
            let legs = try #require(first["legs"] as? [[String: Any]])
            let routedView = try Self.object(try await client.execute(uri: "/tracking/\(id)", method: .get))
            let publicLegs = (routedView["itinerary"] as? [String: Any])?["legs"] as? [[String: Any]]
            #expect(publicLegs?.compactMap { $0["voyage"] as? String } == legs.compactMap { $0["voyage"] as? String }, "the public view shows the route")
            let loadTime = try #require(legs[0]["loadTime"] as? String), voyage = try #require(legs[0]["voyage"] as? String)

            let received = try await client.execute(uri: "/handling/events", method: .post, headers: operatorHeaders, body: ByteBuffer(string:
                #"{"completionTime":"\#(Self.time(clock.now()))","trackingId":"\#(id)","eventType":"RECEIVE","location":"CNHKG"}"#))
            #expect(received.status == .created)
            #expect(try Self.object(received)["statusText"] as? String == "In port Hongkong")
            #expect((try Self.object(received)["nextExpectedActivity"] as? String)?.contains("load cargo onto voyage \(voyage) in Hongkong") == true)

            let loadDate = try Date.ISO8601FormatStyle().parse(loadTime)
            clock.advance(by: loadDate.timeIntervalSince(clock.now()) + 60)
            let loaded = try await client.execute(uri: "/handling/events", method: .post, headers: operatorHeaders, body: ByteBuffer(string:
                #"{"completionTime":"\#(loadTime)","trackingId":"\#(id)","eventType":"LOAD","location":"CNHKG","voyage":"\#(voyage)"}"#))
            #expect(try Self.object(loaded)["statusText"] as? String == "Onboard voyage \(voyage)")

            // Port staff upload a batch with mistakes: nothing is stored and every bad line is named.
            var csvHeaders = operatorHeaders
            csvHeaders[.contentType] = "text/csv"
            let batch = "completionTime,trackingId,eventType,location,voyage\n\(Self.time(clock.now())),\(id),UNLOAD,XXXXX,\(voyage)\n\(Self.time(clock.now())),\(id),CLAIM,SESTO,\(voyage)\n"
            let rejected = try await client.execute(uri: "/handling/events/batch", method: .post, headers: csvHeaders, body: ByteBuffer(string: batch))
            #expect(rejected.status == .unprocessableContent)
            #expect((try Self.object(rejected)["lines"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == [2, 3])
            #expect((try Self.object(try await client.execute(uri: "/tracking/\(id)", method: .get))["events"] as? [Any])?.count == 2)

            // Unloaded where the plan does not say: misdirected in the public view.
            let wrong = try await client.execute(uri: "/handling/events", method: .post, headers: operatorHeaders, body: ByteBuffer(string:
                #"{"completionTime":"\#(Self.time(clock.now()))","trackingId":"\#(id)","eventType":"UNLOAD","location":"AUMEL","voyage":"\#(voyage)"}"#))
            #expect(try Self.object(wrong)["misdirected"] as? Bool == true)
            #expect(try Self.object(wrong)["nextExpectedActivity"] == nil)
            let rerouted = try await client.execute(uri: "/cargos/\(id)/reroute", method: .post, headers: admin)
            #expect((try Self.object(rerouted)["delivery"] as? [String: Any])?["routingStatus"] as? String == "MISROUTED")
            #expect(try await client.execute(uri: "/cargos/\(id)/reroute", method: .post, headers: operatorHeaders).status == .forbidden)
        }
    }

    @Test func aBatchOfBookingsIsAnsweredBookingByBooking() async throws {
        let clock = self.clock
        try await run { client in
            let admin = try await Self.headers(["admin"])
            let deadline = Self.time(clock.now().addingTimeInterval(100 * 86_400)), past = Self.time(clock.now().addingTimeInterval(-86_400))
            func booking(_ reference: String?, from origin: String = "CNHKG", deadline: String = deadline, routed: Bool = false) -> String {
                let reference = reference.map { #","reference":"\#($0)""# } ?? ""
                let routing = routed ? #","routing":"earliestArrival""# : ""
                return #"{"origin":"\#(origin)","destination":"SESTO","arrivalDeadline":"\#(deadline)"\#(reference)\#(routing)}"#
            }
            let earlier = try Self.object(try await client.execute(uri: "/cargos", method: .post, headers: admin, body: ByteBuffer(string: booking("order-0"))))
            let bookings = [
                booking("order-1", routed: true), booking("order-2", from: "XXXXX"), booking("order-1"), booking(nil),
                booking("order-3", deadline: past), booking("order-0"), booking("order-4", from: "bad!"),
            ]
            let operatorHeaders = try await Self.headers(["operator"])
            let body = #"{"bookings":[\#(bookings.joined(separator: ","))]}"#
            #expect(try await client.execute(uri: "/booking-batches", method: .post, headers: operatorHeaders, body: ByteBuffer(string: body)).status == .forbidden)
            let answer = try await client.execute(uri: "/booking-batches", method: .post, headers: admin, body: ByteBuffer(string: body))
            #expect(answer.status == .ok, "\(String(buffer: answer.body))")
            let results = try #require(try Self.object(answer)["results"] as? [[String: Any]])
            #expect(results.map { $0["status"] as? Int } == [201, 422, 200, 201, 422, 200, 422])
            #expect(results.map { $0["reference"] as? String } == ["order-1", "order-2", "order-1", nil, "order-3", "order-0", "order-4"])
            let trackingIDs = results.map { ($0["cargo"] as? [String: Any])?["trackingId"] as? String }
            #expect(trackingIDs[2] == trackingIDs[0] && trackingIDs[0] != nil, "a reference given twice books once")
            #expect(trackingIDs[5] == earlier["trackingId"] as? String, "a reference used before finds its cargo")
            #expect((results[0]["cargo"] as? [String: Any])?["itinerary"] != nil, "routed in the same step")
            #expect((results[1]["problem"] as? [String: Any])?["detail"] as? String == "unknown location 'XXXXX'")
            #expect(results.map { $0["trackingId"] as? String } == trackingIDs, "a booked result names its tracking id beside its cargo")
            #expect(results[0]["routed"] as? Bool == true && results[3]["routed"] as? Bool == false)
            #expect(answer.headers[HTTPField.Name("Preference-Applied")!] == nil)

            // Asked for minimal answers, a repeat of the batch's first booking and a refused one leave the cargo out.
            var minimalHeaders = admin
            minimalHeaders[HTTPField.Name("Prefer")!] = "return=minimal"
            let repeated = #"{"bookings":[\#(booking("order-1", routed: true)),\#(booking("order-2", from: "XXXXX"))]}"#
            let minimal = try await client.execute(uri: "/booking-batches", method: .post, headers: minimalHeaders, body: ByteBuffer(string: repeated))
            #expect(minimal.headers[HTTPField.Name("Preference-Applied")!] == "return=minimal")
            let minimalResults = try #require(try Self.object(minimal)["results"] as? [[String: Any]])
            #expect(minimalResults.map { $0["status"] as? Int } == [200, 422] && minimalResults.allSatisfy { $0["cargo"] == nil })
            #expect(minimalResults[0]["trackingId"] as? String == trackingIDs[0] && minimalResults[0]["routed"] as? Bool == true)
            #expect(minimalResults[1]["problem"] != nil && minimalResults[1]["trackingId"] == nil)
            let listed = try Self.object(try await client.execute(uri: "/cargos", method: .get, headers: admin))["items"] as? [Any]
            #expect(listed?.count == 3, "order-0, order-1 and the booking without a reference; nothing of the refused ones")

            for refused in [#"{"bookings":[]}"#, #"{"bookings":[\#(Array(repeating: booking(nil), count: 101).joined(separator: ","))]}"#, "{}"] {
                let response = try await client.execute(uri: "/booking-batches", method: .post, headers: admin, body: ByteBuffer(string: refused))
                #expect((400..<500).contains(response.status.code), "\(refused.prefix(40))")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect((try Self.object(try await client.execute(uri: "/cargos", method: .get, headers: admin))["items"] as? [Any])?.count == 3)
        }
    }

    @Test func badInputIsA4xxProblem() async throws {
        try await run { client in
            let admin = try await Self.headers(["admin"]), operatorHeaders = try await Self.headers(["operator"])
            #expect(try await client.execute(uri: "/tracking/NOTANID", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/tracking/0000ABCD", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/cargos", method: .get).status == .unauthorized)
            for body in [#"{"origin":"CNHKG","destination":"CNHKG","arrivalDeadline":"2030-01-01T00:00:00Z"}"#,
                         #"{"origin":"XXXXX","destination":"SESTO","arrivalDeadline":"2030-01-01T00:00:00Z"}"#,
                         #"{"origin":"CNHKG","destination":"SESTO","arrivalDeadline":"2000-01-01T00:00:00Z"}"#,
                         #"{"origin":"CNHKG","destination":"SESTO","arrivalDeadline":"tomorrow"}"#,
                         #"{"origin":"CNHKG"}"#] {
                let response = try await client.execute(uri: "/cargos", method: .post, headers: admin, body: ByteBuffer(string: body))
                #expect((400..<500).contains(response.status.code), "\(body)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(body)")
            }
            #expect((try Self.object(try await client.execute(uri: "/cargos", method: .get, headers: admin))["items"] as? [Any])?.isEmpty == true)
            let report = try await client.execute(uri: "/handling/events", method: .post, headers: operatorHeaders, body: ByteBuffer(string:
                #"{"completionTime":"2027-01-01T00:00:00Z","trackingId":"0000ABCD","eventType":"RECEIVE","location":"CNHKG"}"#))
            // The unknown tracking id is a field of the report: 422, as the document says, not a 404.
            #expect(report.status == .unprocessableContent)
            #expect(String(buffer: report.body).contains("no cargo has the tracking id '0000ABCD'"))
            let locations = try Self.object(try await client.execute(uri: "/locations", method: .get))
            #expect((locations["items"] as? [Any])?.count == 13)
            let voyages = try Self.object(try await client.execute(uri: "/voyages", method: .get))
            #expect((voyages["items"] as? [Any])?.count == 9)
        }
    }

    /// Port systems upload CSV with any line ending; every bad line is named, whether its text could not be read or
    /// its report was refused, and nothing of a rejected batch is stored.
    @Test func batchesAreReadWithAnyLineEndingAndEveryBadLineIsNamed() async throws {
        let clock = self.clock
        try await run { client in
            let admin = try await Self.headers(["admin"])
            var csv = try await Self.headers(["operator"], json: false)
            csv[.contentType] = "text/csv"
            let deadline = Self.time(clock.now().addingTimeInterval(100 * 86_400))
            let booked = try await client.execute(uri: "/cargos", method: .post, headers: admin,
                                                  body: ByteBuffer(string: #"{"origin":"CNHKG","destination":"SESTO","arrivalDeadline":"\#(deadline)"}"#))
            let id = try #require(try Self.object(booked)["trackingId"] as? String)
            let earlier = Self.time(clock.now().addingTimeInterval(-3600))

            let bad = "completionTime,trackingId,eventType,location,voyage\r\n\(earlier),\(id),LOAD,CNHKG,\r\nyesterday,\(id),RECEIVE,CNHKG,\r\n"
                + "\(earlier),\(id),DROP,CNHKG,\r\n\(earlier),NOT-AN-ID,RECEIVE,CNHKG,\r\n\(earlier),\(id),RECEIVE\r\n"
            let rejected = try await client.execute(uri: "/handling/events/batch", method: .post, headers: csv, body: ByteBuffer(string: bad))
            #expect(rejected.status == .unprocessableContent)
            let lines = try #require(try Self.object(rejected)["lines"] as? [[String: Any]])
            #expect(lines.compactMap { $0["line"] as? Int } == [2, 3, 4, 5, 6])
            #expect(lines.compactMap { $0["reason"] as? String } == [
                "a LOAD event needs a voyage", "completion time 'yesterday' is not an RFC 3339 date-time",
                "event type must be one of RECEIVE, LOAD, UNLOAD, CLAIM, CUSTOMS", "no cargo has the tracking id 'NOT-AN-ID'",
                "expected 5 comma-separated fields, found 3",
            ])
            #expect((try Self.object(try await client.execute(uri: "/tracking/\(id)", method: .get))["events"] as? [Any])?.isEmpty == true)

            let good = "completionTime,trackingId,eventType,location,voyage\r\n\r\n\(earlier),\(id),RECEIVE,CNHKG,\r\n"
            let accepted = try await client.execute(uri: "/handling/events/batch", method: .post, headers: csv, body: ByteBuffer(string: good))
            #expect(accepted.status == .created)
            #expect(try Self.object(accepted)["accepted"] as? Int == 1)
            #expect((try Self.object(try await client.execute(uri: "/tracking/\(id)", method: .get))["events"] as? [Any])?.count == 1)
        }
    }
}
