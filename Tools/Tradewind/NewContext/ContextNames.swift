/// Every spelling of a new bounded context's name that the generated code and the registrations use, derived from
/// its UpperCamelCase name (`ShippingLabel`).
struct ContextNames: Equatable, Sendable {
    /// `ShippingLabel`: the folder under `Services/`, the aggregate and the target prefix.
    let name: String
    /// `shippingLabel`
    let lowerName: String
    /// `ShippingLabels`
    let pluralName: String
    /// `shippingLabels`
    let lowerPluralName: String
    /// `shipping-label`: the stack name `tradewind up` and `tradewind serve` use.
    let stackName: String
    /// `shipping-label-service`: executable, registry name, compose service, Kubernetes Deployment.
    let serviceName: String
    /// `shipping-labels`: the URL path segment.
    let pathSegment: String
    /// `shipping_labels`: the SQL table.
    let tableName: String
    /// `shipping_label_service`: the PostgreSQL database and role.
    let databaseName: String
    /// `SHIPPING_LABEL`: prefix of its environment variables.
    let environmentPrefix: String

    init(_ name: String) throws(ContextGenerationError) {
        try Self.check(name)
        let words = Self.words(of: name)
        self.name = name
        lowerName = words[0] + words.dropFirst().map(Self.capitalized).joined()
        let pluralWords = words.dropLast() + [Self.plural(of: words[words.count - 1])]
        pluralName = pluralWords.map(Self.capitalized).joined()
        lowerPluralName = pluralWords[0] + pluralWords.dropFirst().map(Self.capitalized).joined()
        stackName = words.joined(separator: "-")
        serviceName = stackName + "-service"
        pathSegment = pluralWords.joined(separator: "-")
        tableName = pluralWords.joined(separator: "_")
        databaseName = words.joined(separator: "_") + "_service"
        environmentPrefix = words.joined(separator: "_").uppercased()
    }

    /// UpperCamelCase ASCII, starting with a letter, 2 to 30 characters, not a Swift keyword and not a name the
    /// repository reserves for its own modules.
    static func check(_ name: String) throws(ContextGenerationError) {
        let isUpperCamelCase = name.count >= 2 && name.count <= 30 && name.unicodeScalars.allSatisfy { $0.isASCII }
            && name.first!.isUppercase && name.allSatisfy { $0.isLetter || $0.isNumber } && name.contains { $0.isLowercase }
        guard isUpperCamelCase else {
            throw .invalidName(name, "a context name is UpperCamelCase: 2 to 30 ASCII letters and digits, starting with a capital letter (e.g. Payment, ShippingLabel)")
        }
        guard !swiftKeywords.contains(name.lowercased()) else {
            throw .invalidName(name, "'\(name.lowercased())' is a Swift keyword, which the generated code cannot use as a name")
        }
        guard !reservedNames.contains(name) else {
            throw .invalidName(name, "\(name) is a name Tradewind uses for its own modules; choose another")
        }
    }

    /// `ShippingLabel2` → `shipping`, `label2`.
    static func words(of name: String) -> [String] {
        var words: [String] = []
        for character in name {
            if character.isUppercase || words.isEmpty { words.append("") }
            words[words.count - 1].append(Character(character.lowercased()))
        }
        return words
    }

    static func capitalized(_ word: String) -> String { word.prefix(1).uppercased() + word.dropFirst() }

    /// English plural of one lower-case word, for the common cases (`payment`s, `address`es, `policy` → `policies`).
    static func plural(of word: String) -> String {
        if ["s", "x", "z", "ch", "sh"].contains(where: word.hasSuffix) { return word + "es" }
        if word.hasSuffix("y"), let before = word.dropLast().last, !"aeiou".contains(before) { return word.dropLast() + "ies" }
        return word + "s"
    }

    static let reservedNames: Set<String> = [
        "Shared", "Kernel", "Runtime", "Testing", "Tradewind", "TradewindKernel", "TradewindRuntime", "TradewindTesting",
        "Architecture", "EndToEnd", "Deployment", "Gateway", "Registry", "Templates", "Tests", "Tools", "Foundation",
        "Hummingbird", "Logging", "Metrics", "Testing", "Service", "Server", "Client", "Contracts",
    ]

    static let swiftKeywords: Set<String> = [
        "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension", "fileprivate", "func", "import",
        "init", "inout", "internal", "let", "nonisolated", "open", "operator", "private", "precedencegroup", "protocol",
        "public", "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch",
        "where", "while", "any", "as", "await", "false", "is", "nil", "self", "super", "throws", "true", "try", "type",
        "protocol", "some", "actor", "async", "package", "macro", "copy", "discard", "each", "sending",
    ]
}
