/// RFC 4180 text: a field is quoted when it holds a comma, a quote, CR or LF (quotes doubled);
/// rows end in CRLF.
public enum CSVText {
    @inlinable
    public static func needsQuotes(_ utf8: some Sequence<UInt8>) -> Bool {
        utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 13 || $0 == 10 }
    }

    public static func field(_ text: String) -> String {
        guard needsQuotes(text.utf8) else { return text }
        var quoted = "\""
        for character in text {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        return quoted + "\""
    }

    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}
