/// The `<title>` of an HTML page, found by a byte search in its first bytes: no HTML parser
/// runs over untrusted pages at import; this is only a name to show in the activity tree.
enum HTMLTitle {
    static func find(in bytes: [UInt8]) -> String? {
        guard let open = range(of: "<title", in: bytes, from: 0),
              let close = bytes[open.upperBound...].firstIndex(of: UInt8(ascii: ">")),
              let end = range(of: "</title", in: bytes, from: close + 1)
        else { return nil }
        let raw = String(decoding: bytes[(close + 1)..<end.lowerBound], as: UTF8.self)
        let words = decodeEntities(raw).split(whereSeparator: \.isWhitespace)
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    /// The first place `needle` (ASCII, matched case-insensitively) occurs at or after `start`.
    private static func range(of needle: String, in bytes: [UInt8], from start: Int) -> Range<Int>? {
        let pattern = Array(needle.utf8)
        guard bytes.count >= pattern.count, start <= bytes.count - pattern.count else { return nil }
        var index = start
        while index <= bytes.count - pattern.count {
            var matches = true
            for offset in 0..<pattern.count where lowered(bytes[index + offset]) != pattern[offset] {
                matches = false
                break
            }
            if matches { return index..<(index + pattern.count) }
            index += 1
        }
        return nil
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    /// The five predefined entities and numeric references; anything else is kept as written.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let tail = rest[amp...]
            guard let semicolon = tail.prefix(12).firstIndex(of: ";") else {
                result += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let name = tail[tail.index(after: tail.startIndex)..<semicolon]
            let named: [Substring: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " "]
            var replacement: String?
            if let value = named[name] {
                replacement = value
            } else if name.hasPrefix("#x") || name.hasPrefix("#X"), let code = UInt32(name.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(code) {
                replacement = String(Character(scalar))
            } else if name.hasPrefix("#"), let code = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(code) {
                replacement = String(Character(scalar))
            }
            if let replacement {
                result += replacement
                rest = rest[rest.index(after: semicolon)...]
            } else {
                result += "&"
                rest = rest[rest.index(after: amp)...]
            }
        }
        return result + rest
    }
}
