import Foundation

/// `multipart/mixed` bodies (RFC 2046 5.1), as xAPI sends statements with their attachments
/// (xAPI-Communication 1.5.2): read from a request, written for `attachments=true` answers.
public enum MultipartMixed {
    public struct Part: Sendable, Equatable {
        /// Header names in lower case; values trimmed.
        public var headers: [String: String]
        public var body: Data

        public init(headers: [String: String], body: Data) {
            self.headers = headers
            self.body = body
        }

        /// The media type without parameters, in lower case (`application/json`).
        public var mediaType: String? { headers["content-type"].map(MultipartMixed.mediaType) }
    }

    /// `type/subtype` of a Content-Type value, in lower case, without parameters.
    public static func mediaType(_ contentType: String) -> String {
        String(contentType.split(separator: ";", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The `boundary` parameter of a Content-Type value (quoted or not).
    public static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// The parts between the first delimiter line and the closing one; the preamble and the
    /// epilogue are ignored. A body without the delimiter, or whose last part is not closed, is
    /// refused.
    public static func parse(_ body: Data, boundary: String) throws(LRSError) -> [Part] {
        let bytes = [UInt8](body)
        let delimiter = Array("--\(boundary)".utf8)
        // Delimiters count at the very start or right after CRLF (RFC 2046: CRLF "--" boundary).
        var starts: [Int] = []
        var index = 0
        while let found = find(delimiter, in: bytes[...], from: index) {
            if found == 0 || (found >= 2 && bytes[found - 2] == 0x0D && bytes[found - 1] == 0x0A) { starts.append(found) }
            index = found + delimiter.count
        }
        guard let first = starts.first else {
            throw LRSError(.badRequest, "the multipart/mixed body has no line '--\(boundary)' (the Content-Type's boundary) before its parts")
        }
        var parts: [Part] = []
        var closed = false
        var position = first
        for next in starts.dropFirst().map(Optional.some) + [nil] {
            var start = position + delimiter.count
            if start + 1 < bytes.count, bytes[start] == 0x2D, bytes[start + 1] == 0x2D {  // "--": the closing delimiter
                closed = true
                break
            }
            while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }  // transport padding
            guard start + 1 < bytes.count, bytes[start] == 0x0D, bytes[start + 1] == 0x0A else {
                throw LRSError(.badRequest, "a multipart delimiter line must end with CRLF")
            }
            start += 2
            guard let next else { break }
            parts.append(try part(bytes[start..<(next - 2)]))
            position = next
        }
        guard closed else { throw LRSError(.badRequest, "the multipart/mixed body does not end with '--\(boundary)--'") }
        return parts
    }

    static func part(_ bytes: ArraySlice<UInt8>) throws(LRSError) -> Part {
        let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        let headerEnd: Int
        let bodyStart: Int
        if bytes.starts(with: [0x0D, 0x0A]) {
            headerEnd = bytes.startIndex
            bodyStart = bytes.startIndex + 2
        } else if let found = find(separator, in: bytes, from: bytes.startIndex) {
            headerEnd = found
            bodyStart = found + 4
        } else {
            throw LRSError(.badRequest, "a multipart part needs a blank line between its headers and its content")
        }
        var headers: [String: String] = [:]
        for line in String(decoding: bytes[bytes.startIndex..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw LRSError(.badRequest, "a multipart header line has no ':': \(line.prefix(80))") }
            headers[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Part(headers: headers, body: Data(bytes[bodyStart...]))
    }

    /// The index of `needle`'s first occurrence in `bytes` at or after `start`.
    static func find(_ needle: [UInt8], in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var index = start
        let last = bytes.endIndex - needle.count
        while index <= last {
            if bytes[index] == first, bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// A body of `parts` with a fresh boundary, and its Content-Type value.
    public static func render(_ parts: [Part]) -> (contentType: String, body: Data) {
        let boundary = "ecba-" + UUID().uuidString.lowercased()
        var body = Data()
        for part in parts {
            body.append(Data("--\(boundary)\r\n".utf8))
            for (name, value) in part.headers.sorted(by: { $0.key < $1.key }) { body.append(Data("\(name): \(value)\r\n".utf8)) }
            body.append(Data("\r\n".utf8))
            body.append(part.body)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/mixed; boundary=\(boundary)", body)
    }
}
