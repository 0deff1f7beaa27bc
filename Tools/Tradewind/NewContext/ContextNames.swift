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
        let spelled = Self.words(of: name, lowercased: false)
        let words = spelled.map { $0.lowercased() }
        let lastPlural = Self.plural(of: spelled[spelled.count - 1])
        self.name = name
        lowerName = Self.lowerCamelCase(name)
        pluralName = spelled.dropLast().joined() + lastPlural
        lowerPluralName = spelled.count == 1 ? Self.plural(of: words[0]) : words[0] + spelled.dropFirst().dropLast().joined() + lastPlural
        let pluralWords = words.dropLast() + [lastPlural.lowercased()]
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

    /// `ShippingLabel2` → `shipping`, `label2`; `APIKey` → `api`, `key`: a run of capitals is one word, except its
    /// last capital when a lower-case letter follows it.
    static func words(of name: String, lowercased: Bool = true) -> [String] {
        let characters = Array(name)
        var words: [String] = []
        for (index, character) in characters.enumerated() {
            let previousIsUpper = index > 0 && characters[index - 1].isUppercase
            let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
            if words.isEmpty || (character.isUppercase && (!previousIsUpper || nextIsLower)) { words.append("") }
            words[words.count - 1].append(lowercased ? Character(character.lowercased()) : character)
        }
        return words
    }

    /// `OrderPlaced` → `orderPlaced`, `APIKeyIssued` → `apiKeyIssued`.
    static func lowerCamelCase(_ name: String) -> String {
        let spelled = words(of: name, lowercased: false)
        return spelled[0].lowercased() + spelled.dropFirst().joined()
    }

    /// English plural of one word, for the common cases (`payment`s, `address`es, `policy` → `policies`, `API`s),
    /// keeping the word's own capitals.
    static func plural(of word: String) -> String {
        let lower = word.lowercased()
        if ["s", "x", "z", "ch", "sh"].contains(where: lower.hasSuffix) { return word + "es" }
        if lower.hasSuffix("y"), let before = lower.dropLast().last, !"aeiou".contains(before) { return word.dropLast() + "ies" }
        return word + "s"
    }

    static let reservedNames: Set<String> = [
        "Shared", "Kernel", "Runtime", "Testing", "Tradewind", "TradewindKernel", "TradewindRuntime", "TradewindTesting",
        "Architecture", "EndToEnd", "Deployment", "Gateway", "Registry", "Templates", "Tests", "Tools", "Foundation",
        "Hummingbird", "Logging", "Metrics", "Service", "Server", "Client", "Contracts",
    ]

    static let swiftKeywords: Set<String> = [
        "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension", "fileprivate", "func", "import",
        "init", "inout", "internal", "let", "nonisolated", "open", "operator", "private", "precedencegroup", "protocol",
        "public", "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch",
        "where", "while", "any", "as", "await", "false", "is", "nil", "self", "super", "throws", "true", "try", "type",
        "some", "actor", "async", "package", "macro", "copy", "discard", "each", "sending",
    ]
}
