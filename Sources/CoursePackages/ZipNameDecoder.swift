import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes zip entry names: UTF-8 when the bytes are valid UTF-8 (flag or not), else GB18030
/// (a superset of GBK, what Chinese Windows writes), else CP437 (the zip default).
enum ZipNameDecoder {
    enum Encoding: String, Sendable {
        case ascii
        case utf8 = "UTF-8"
        case gb18030 = "GB18030"
        case cp437 = "CP437"
    }

    static func decode(_ bytes: [UInt8]) -> (name: String, encoding: Encoding) {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            return (String(decoding: bytes, as: UTF8.self), .ascii)
        }
        if let utf8 = String(validating: bytes, as: UTF8.self) {
            return (utf8, .utf8)
        }
        if let chinese = convert(bytes, from: Encoding.gb18030.rawValue) {
            return (chinese, .gb18030)
        }
        if let dos = convert(bytes, from: "IBM437") {
            return (dos, .cp437)
        }
        // IBM437 maps every byte; this is only reached if iconv lacks it.
        return (String(decoding: bytes, as: UTF8.self), .cp437)
    }

    /// Converts with iconv; nil when the bytes are not valid in that encoding.
    static func convert(_ bytes: [UInt8], from encoding: String) -> String? {
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
