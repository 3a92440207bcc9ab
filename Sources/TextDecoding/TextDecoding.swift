#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text in the encodings Chinese users' files come in: UTF-8 (with or without a BOM), else
/// GB18030 (a superset of GBK, what Chinese Windows and Excel write).
public enum TextDecoding {
    public enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case gb18030 = "GB18030"
    }

    /// UTF-8 (a leading BOM dropped) when the bytes are valid UTF-8, else GB18030; nil when
    /// they are neither.
    public static func decodeUTF8OrGB18030(_ bytes: [UInt8]) -> (text: String, encoding: Encoding)? {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let text = String(validating: body, as: UTF8.self) { return (text, .utf8) }
        return convert(Array(bytes), from: Encoding.gb18030.rawValue).map { ($0, .gb18030) }
    }

    /// Converts `bytes` from `encoding` (an iconv name) to a string; nil when the bytes are not
    /// valid in that encoding or iconv does not know it.
    public static func convert(_ bytes: [UInt8], from encoding: String) -> String? {
        let descriptor = iconv_open("UTF-8", encoding)
        guard let descriptor, Int(bitPattern: descriptor) != -1 else { return nil }
        defer { iconv_close(descriptor) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 4 + 4)
        let converted: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer = outBuffer.baseAddress
                var outLeft = outBuffer.count
                let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                guard result != -1, inLeft == 0 else { return nil }
                return outBuffer.count - outLeft
            }
        }
        guard let converted else { return nil }
        return String(decoding: output[0..<converted].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
