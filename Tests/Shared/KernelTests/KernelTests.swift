import Foundation
import Testing
import TradewindKernel

@Suite struct KernelTests {
    @Test func cursorsRoundTripAndRejectForeignText() {
        let cursor = KeysetCursor(lastID: "00000000-0000-0000-0000-00000000002a")
        #expect(KeysetCursor(encoded: cursor.encoded) == cursor)
        #expect(!cursor.encoded.contains("="))
        #expect(KeysetCursor(encoded: "not a cursor") == nil)
        #expect(KeysetCursor(encoded: "") == nil)
        #expect(KeysetCursor(encoded: String(repeating: "A", count: 600)) == nil)
    }

    @Test func base64URLFollowsRFC4648AndRefusesOtherAlphabets() {
        // RFC 4648, section 10, without padding; then the two characters base64url changes.
        let vectors: [(String, String)] = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
                                           ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Data(plain.utf8).base64URLEncodedString() == encoded)
            #expect(Data(base64URLEncoded: encoded) == Data(plain.utf8))
        }
        #expect(Data([0xfb, 0xff]).base64URLEncodedString() == "-_8")
        #expect(Data(base64URLEncoded: "-_8") == Data([0xfb, 0xff]))
        for foreign in ["+/8", "Zg==", "Zm9v=", "Z", "Zm9vY", "Zm 9v", "Zm9v!"] {
            #expect(Data(base64URLEncoded: foreign) == nil, "\(foreign)")
        }
        let every = Data((0...255).map(UInt8.init))
        for length in 0...every.count { #expect(Data(base64URLEncoded: every.prefix(length).base64URLEncodedString()) == every.prefix(length)) }
    }

    @Test func hexDigitsAreTwoLowerCaseDigitsPerByte() {
        #expect([UInt8]().hexDigits == "")
        #expect([0x00, 0x0f, 0xa0, 0xff].hexDigits == "000fa0ff")
        #expect(Data("Tradewind".utf8).hexDigits == "547261646577696e64")
    }

    /// Written digit by digit, the text is Foundation's, lowercased, for every digit in every position.
    @Test func aUUIDsLowercasedStringIsFoundationsTextLowercased() {
        let known = UUID(uuidString: "0B7C6F5E-2D1A-4C3B-9E8F-7A6B5C4D3E2F")!
        #expect(known.lowercasedString == "0b7c6f5e-2d1a-4c3b-9e8f-7a6b5c4d3e2f")
        #expect(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).lowercasedString == "00000000-0000-0000-0000-000000000000")
        #expect(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)).lowercasedString
            == "ffffffff-ffff-ffff-ffff-ffffffffffff")
        for _ in 0..<1_000 {
            let uuid = UUID()
            #expect(uuid.lowercasedString == uuid.uuidString.lowercased())
        }
    }

    @Test func pageRequestsAreClampedToSaneLimits() {
        #expect(PageRequest(limit: 0).limit == 1)
        #expect(PageRequest(limit: 5000).limit == PageRequest.maximumLimit)
        #expect(PageRequest(limit: 7).limit == 7)
    }
}

@Suite struct MoneyTests {
    let euro = Currency("EUR")!, yen = Currency("JPY")!

    @Test func currenciesAreThreeUpperCaseLetters() {
        #expect(Currency("EUR") != nil)
        #expect(Currency("eur") == nil)
        #expect(Currency("EURO") == nil)
        #expect(Currency("E1R") == nil)
    }

    @Test func arithmeticStaysInOneCurrencyAndNeverOverflowsSilently() throws {
        let price = Money(minorUnits: 1250, currency: euro)
        #expect(try price.multiplied(by: 3) == Money(minorUnits: 3750, currency: euro))
        #expect(try Money.sum([price, price], in: euro) == Money(minorUnits: 2500, currency: euro))
        #expect(throws: MoneyError.currencyMismatch(euro, yen)) { try price.adding(Money(minorUnits: 1, currency: yen)) }
        #expect(throws: MoneyError.overflow) { try Money(minorUnits: .max, currency: euro).adding(price) }
        #expect(throws: MoneyError.overflow) { try Money(minorUnits: .max / 2, currency: euro).multiplied(by: 3) }
    }

    @Test func describesWithTheCurrencysMinorUnits() {
        #expect(Money(minorUnits: 1205, currency: euro).description == "12.05 EUR")
        #expect(Money(minorUnits: -5, currency: euro).description == "-0.05 EUR")
        #expect(Money(minorUnits: 1200, currency: yen).description == "1200 JPY")
    }
}
