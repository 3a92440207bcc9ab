import Foundation
import Enrollment

/// A stored statement as the LRS answers it: the body as received, minified, with `stored` and
/// `authority` set by the LRS and `version` and `timestamp` filled in where the statement had
/// none (`version` as the reader's API version spells it, `timestamp` the stored time).
///
/// Written in Swift, not in SQL, so that both databases answer the same bytes: keys keep the
/// order the statement gave them, a key set that was there keeps its place, and the missing ones
/// follow in the order above (as SQLite's `json_set` did, which answered these bytes before).
/// The body was validated when it was stored, so it is one JSON object.
enum StatementOutput {
    static func render(body: String, stored: String, authority: String?, version: String) -> String {
        let bytes = Array(body.utf8)
        var index = skipSpace(bytes, 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return body }
        index += 1
        let authorityText = minified(Array((authority ?? StatementAuthority.platform.agent).utf8))
        var output: [UInt8] = [UInt8(ascii: "{")]
        output.reserveCapacity(bytes.count + authorityText.count + stored.utf8.count * 2 + 64)
        var first = true
        var hasStored = false, hasAuthority = false, hasVersion = false, hasTimestamp = false
        while index < bytes.count {
            index = skipSpace(bytes, index)
            guard index < bytes.count, bytes[index] != UInt8(ascii: "}") else { break }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            let keyEnd = stringEnd(bytes, index)
            let key = keyText(bytes[index..<keyEnd])
            let valueStart = skipSpace(bytes, skipSpace(bytes, keyEnd) + 1)  // past the colon
            let valueEnd = self.valueEnd(bytes, valueStart)
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(contentsOf: bytes[index..<keyEnd])
            output.append(UInt8(ascii: ":"))
            switch key {
            case "stored":
                hasStored = true
                appendString(stored, to: &output)
            case "authority":
                hasAuthority = true
                output.append(contentsOf: authorityText)
            default:
                if key == "version" { hasVersion = true }
                if key == "timestamp" { hasTimestamp = true }
                appendMinified(bytes[valueStart..<valueEnd], to: &output)
            }
            index = valueEnd
        }
        func member(_ key: String, _ value: () -> Void) {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            appendString(key, to: &output)
            output.append(UInt8(ascii: ":"))
            value()
        }
        if !hasStored { member("stored") { appendString(stored, to: &output) } }
        if !hasAuthority { member("authority") { output.append(contentsOf: authorityText) } }
        if !hasVersion { member("version") { appendString(version.hasPrefix("2.") ? "2.0.0" : "1.0.0", to: &output) } }
        if !hasTimestamp { member("timestamp") { appendString(stored, to: &output) } }
        output.append(UInt8(ascii: "}"))
        return String(decoding: output, as: UTF8.self)
    }

    /// JSON text without the white space between its tokens.
    static func minified(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        appendMinified(bytes[...], to: &output)
        return output
    }

    private static func appendMinified(_ bytes: ArraySlice<UInt8>, to output: inout [UInt8]) {
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                output.append(byte)
            } else if !isSpace(byte) {
                if byte == UInt8(ascii: "\"") { inString = true }
                output.append(byte)
            }
        }
    }

    /// A string of the platform's own (a time stamp, a version, a key) as a JSON string.
    private static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { output.append(UInt8(ascii: "\\")) }
            output.append(byte)
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func skipSpace(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        return index
    }

    /// The index just past the string that opens at `start`.
    private static func stringEnd(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return bytes.count
    }

    /// The index just past the value that starts at `start` (a string, a number, a literal, or
    /// an object or array with everything in it).
    private static func valueEnd(_ bytes: [UInt8], _ start: Int) -> Int {
        guard start < bytes.count else { return start }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return stringEnd(bytes, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = stringEnd(bytes, index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            return bytes.count
        default:
            var index = start
            while index < bytes.count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}"), !isSpace(bytes[index]) { index += 1 }
            return index
        }
    }

    /// A key's text: its bytes between the quotes, or decoded when it escapes a character.
    private static func keyText(_ quoted: ArraySlice<UInt8>) -> String {
        guard quoted.count >= 2 else { return "" }
        let inner = quoted.dropFirst().dropLast()
        if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
        let decoded = try? JSONSerialization.jsonObject(with: Data(quoted), options: [.fragmentsAllowed]) as? String
        return decoded ?? String(decoding: inner, as: UTF8.self)
    }
}
