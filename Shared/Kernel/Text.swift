extension String {
    /// The text without leading and trailing white space (Unicode's definition), without Foundation.
    public var trimmingWhitespace: String {
        var characters = Substring(self)
        while characters.first?.isWhitespace == true { characters = characters.dropFirst() }
        while characters.last?.isWhitespace == true { characters = characters.dropLast() }
        return String(characters)
    }
}
