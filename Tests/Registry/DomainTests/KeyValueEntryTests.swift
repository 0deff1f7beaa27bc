import RegistryDomain
import Testing

@Suite struct KeyValueEntryTests {
    @Test(arguments: ["", "/config/a", String(repeating: "k", count: 513), "config/\u{7}bell"])
    func aKeyThatIsEmptyAbsoluteTooLongOrHoldsAControlCharacterIsRefused(_ key: String) {
        #expect(throws: RegistryError.self) { try KeyValueEntry.checkKey(key) }
    }

    @Test func aPrefixMayBeEmpty() throws {
        try KeyValueEntry.checkKey("", isPrefix: true)
        try KeyValueEntry.checkKey("config/dev/")
        try KeyValueEntry.checkKey("config/dev/order-service/log.level")
    }

    @Test func aValueOverTheLimitIsRefused() {
        #expect(throws: RegistryError.valueTooLarge(KeyValueEntry.maximumValueBytes)) {
            try KeyValueEntry.checkValue(Array(repeating: 0, count: KeyValueEntry.maximumValueBytes + 1))
        }
    }

    @Test func checkAndSetZeroCreatesOnlyAndAnIndexMustStillBeTheKeys() {
        let entry = KeyValueEntry(key: "k", value: [1], flags: 0, createIndex: 5, modifyIndex: 7)
        #expect(CheckAndSet(0).admits(nil) && !CheckAndSet(0).admits(entry))
        #expect(CheckAndSet(7).admits(entry) && !CheckAndSet(6).admits(entry) && !CheckAndSet(7).admits(nil))
    }

    @Test func aServiceReadsItsOwnAndTheSharedConfigurationAndWritesNothing() {
        let orders = Registrant.service("order-service")
        #expect(orders.mayRead(key: "config/dev/order-service/log.level"))
        #expect(orders.mayRead(key: "config/production/shared/cors.origins"))
        #expect(!orders.mayRead(key: "config/dev/cart-service/log.level"))
        #expect(!orders.mayRead(key: "config/dev/order-service"), "the folder name alone is not a key inside it")
        #expect(!orders.mayRead(key: "secrets/order-service/x") && !orders.mayRead(key: "config//order-service/x"))
        #expect(!orders.mayWrite(key: "config/dev/order-service/log.level"))
        #expect(Registrant.operator.mayRead(key: "anything") && Registrant.operator.mayWrite(key: "config/dev/shared/x"))
    }

    @Test func aSettingsReaderReadsLikeItsServiceAndChangesNothing() {
        let gateway = Registrant.settingsReader("gateway")
        #expect(gateway.mayRead(key: "config/dev/gateway/routes") && gateway.mayRead(key: "config/dev/shared/log.level"))
        #expect(!gateway.mayRead(key: "config/dev/order-service/log.level"))
        #expect(!gateway.mayWrite(key: "config/dev/gateway/routes"))
        #expect(!gateway.mayChange("gateway"), "it registers no instance, not even of its own name")
    }
}
